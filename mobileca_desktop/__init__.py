"""mobileca-desktop: the Shanxi public-resource trading mobile CA, on the desktop.

Layers (one direction of dependency, checked by import-linter in CI):
views -> services -> keystore | ca -> crypto -> domain.
"""

__version__ = "0.1.0"

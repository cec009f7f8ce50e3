"""The QA kit: a pytest plugin (``plugin.py``, entry point ``mobileca``) with fixtures for a
throw-away CA, the demo company, the client window on device profiles, the simulated phone,
the demo clock, the reviewer and the trading-platform simulator, and page objects for the
client's screens (``pages/``, one module per area). See docs/qa-guide.md.

Nothing here is imported by the application (an import-linter contract says so), and this
package imports nothing at import time: every pytest run in an environment with the package
installed loads the plugin, which stays inert unless a test uses its fixtures.
"""

"""Plain domain objects and typed errors shared by every layer, and the service interfaces
with the one declaration of every operation (``api.py``, ``operations.py``).

Imports nothing from the project and nothing from Qt, SQL, HTTP or crypto libraries:
these are the values that cross the service interfaces.
"""

"""Plain domain objects and typed errors shared by every layer.

Imports nothing from the project and nothing from Qt, SQL, HTTP or crypto libraries:
these are the values that cross the service interfaces.
"""

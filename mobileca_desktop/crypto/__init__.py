"""Shared cryptographic protocols used by both the CA engine and the client keystore.

Modules here depend on ``cryptography`` and, within the project, on ``domain`` only, so the
engine (``ca``) and the device side (``keystore``) speak exactly the same formats.
"""

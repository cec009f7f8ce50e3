"""The revision scripts (Alembic skips this file). Name new ones ``NNNN_what.py``."""

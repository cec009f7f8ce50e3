"""Alembic revisions of the CA database (see ``ca/schema.py`` and ``ca/migrate.py``).

No ``alembic.ini``: ``ca/migrate.py`` configures Alembic in code and ``env.py`` runs the
revisions on the connection it is handed.
"""

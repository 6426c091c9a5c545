"""Durable storage: SQLAlchemy 2 async Core tables, Alembic migrations and the queries."""

"""The Django ORM follow backend; add ``sequere.backends.database`` to INSTALLED_APPS to use it."""

from .backend import DatabaseBackend

__all__ = ["DatabaseBackend", "Databasebackend"]

#: The seed README's spelling of the default setting value.
Databasebackend = DatabaseBackend

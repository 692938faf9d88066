"""App holding the ``Follow`` table of the database backend."""

from django.apps import AppConfig


class DatabaseBackendConfig(AppConfig):
    """The ``Follow`` model and its migrations."""

    name = "sequere.backends.database"
    label = "sequere_database"
    verbose_name = "Sequere follows"
    default_auto_field = "django.db.models.BigAutoField"

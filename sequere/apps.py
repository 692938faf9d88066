"""The ``sequere`` Django app: autodiscovery and system checks."""

from django.apps import AppConfig


class SequereConfig(AppConfig):
    """Imports every app's ``sequere_registry`` module once apps are ready."""

    name = "sequere"
    verbose_name = "Sequere"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import autodiscover, checks  # noqa: F401  (checks registers itself)

        autodiscover()

"""The ``sequere`` Django app: autodiscovery, system checks, and edges removed with their instances."""

from django.apps import AppConfig


class SequereConfig(AppConfig):
    """Imports every app's ``sequere_registry`` module once apps are ready."""

    name = "sequere"
    verbose_name = "Sequere"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import autodiscover, checks  # noqa: F401  (checks registers itself)
        from .audits import register_store
        from .outbox import OutboxStore
        from .receivers import unwatch_deletes, watch_deletes
        from .registration import registry
        from .signals import model_registered, model_unregistered

        model_registered.connect(watch_deletes, dispatch_uid="sequere.watch_deletes")
        model_unregistered.connect(unwatch_deletes, dispatch_uid="sequere.unwatch_deletes")
        for model in registry.models:  # registered by an app whose ready() ran before this one
            watch_deletes(model)
        register_store("outbox", OutboxStore)
        autodiscover()

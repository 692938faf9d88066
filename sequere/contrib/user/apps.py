"""App config of ``sequere.contrib.user``: makes sure the user model can follow."""

from __future__ import annotations

from django.apps import AppConfig
from django.contrib.auth import get_user_model

from ... import autodiscover
from ...base import ModelBase
from ...registration import registry


def register_user_model() -> str:
    """Register ``AUTH_USER_MODEL`` with sequere unless the project already did; return its identifier.

    The identifier is the model name (``"user"``); when another model already holds that name it
    becomes ``"<app_label>_<model_name>"`` (``"auth_user"``). Register the user model yourself, in
    a ``sequere_registry.py`` module, to choose another one.
    """
    model = get_user_model()
    if registry.is_registered(model):
        return registry.get_identifier(model)
    identifier = model._meta.model_name
    if registry.is_registered_identifier(identifier):
        identifier = f"{model._meta.app_label}_{model._meta.model_name}"
    options = type("UserSequere", (ModelBase,), {"identifier": identifier})
    return registry.register(model, options).identifier


class SequereUserConfig(AppConfig):
    """Registers the user model once every app's ``sequere_registry`` module has run."""

    name = "sequere.contrib.user"
    label = "sequere_user"
    verbose_name = "Sequere follow views"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Import the projects' registries first so their own choice for the user model wins,
        # whatever the order of INSTALLED_APPS (modules are imported once; sequere's ready()
        # calling it again is a no-op).
        autodiscover()
        register_user_model()

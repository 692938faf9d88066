"""App config of the example site's ``social`` app."""

from django.apps import AppConfig


class SocialConfig(AppConfig):
    """People, projects, statuses and likes."""

    name = "social"
    default_auto_field = "django.db.models.BigAutoField"

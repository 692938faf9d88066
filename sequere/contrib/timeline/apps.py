"""The ``sequere.contrib.timeline`` Django app."""

from django.apps import AppConfig


class TimelineConfig(AppConfig):
    """Connects the follow/unfollow receivers that keep timelines in step with follows."""

    name = "sequere.contrib.timeline"
    label = "sequere_timeline"
    verbose_name = "Sequere timeline"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ...signals import followed, unfollowed
        from .receivers import on_followed, on_unfollowed

        followed.connect(on_followed, dispatch_uid="sequere.timeline.followed")
        unfollowed.connect(on_unfollowed, dispatch_uid="sequere.timeline.unfollowed")

"""The ``sequere.contrib.timeline`` Django app."""

from django.apps import AppConfig


class TimelineConfig(AppConfig):
    """Connects the receivers that keep timelines in step with follows and deletes, makes the
    outbox run jobs as ``SEQUERE_TIMELINE_FANOUT`` says, and registers the timeline's system checks
    and its store for ``manage.py sequere_check``."""

    name = "sequere.contrib.timeline"
    label = "sequere_timeline"
    verbose_name = "Sequere timeline"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core import checks

        from ... import outbox
        from ...audits import register_store
        from ...signals import blocked, followed, instance_forgotten, muted, unfollowed, unmuted
        from .backends import get_timeline_backend
        from .checks import check_timeline
        from .fanout import runner
        from .live import publish
        from .receivers import on_followed, on_forgotten, on_unfollowed
        from .relations import on_blocked, on_muted, on_unmuted
        from .signals import delivered

        checks.register(check_timeline)
        register_store("timeline", get_timeline_backend)
        outbox.set_runner(runner)
        followed.connect(on_followed, dispatch_uid="sequere.timeline.followed")
        unfollowed.connect(on_unfollowed, dispatch_uid="sequere.timeline.unfollowed")
        instance_forgotten.connect(on_forgotten, dispatch_uid="sequere.timeline.forgotten")
        blocked.connect(on_blocked, dispatch_uid="sequere.timeline.blocked")
        muted.connect(on_muted, dispatch_uid="sequere.timeline.muted")
        unmuted.connect(on_unmuted, dispatch_uid="sequere.timeline.unmuted")
        delivered.connect(publish, dispatch_uid="sequere.timeline.live")

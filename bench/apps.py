"""The benchmark app: registers the measured models with both actstream and sequere."""

from __future__ import annotations

from django.apps import AppConfig

try:
    from sequere.contrib.timeline import Action
except ImportError:  # the timeline is not in this checkout
    Action = None

if Action is not None:

    class LikeAction(Action):
        """A user likes a group."""

        verb = "like"


class BenchConfig(AppConfig):
    """Users follow users; actions have a user as actor and a group as target."""

    name = "bench"
    label = "sequere_bench"
    verbose_name = "sequere benchmarks"

    def ready(self) -> None:
        from actstream import registry as actstream_registry
        from django.contrib.auth.models import Group, User

        import sequere
        from sequere.base import ModelBase

        class UserSequere(ModelBase):
            identifier = "user"
            actions = (LikeAction,) if Action is not None else ()

        actstream_registry.register(User, Group)
        if not sequere.registry.is_registered(User):
            sequere.register(User, UserSequere)
        if not sequere.registry.is_registered(Group):
            sequere.register(Group)

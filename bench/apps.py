"""The benchmark app: registers the measured models with both actstream and sequere."""

from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Users follow users; actions have a user as actor and a group as target."""

    name = "bench"
    label = "sequere_bench"
    verbose_name = "sequere benchmarks"

    def ready(self) -> None:
        from actstream import registry as actstream_registry
        from django.contrib.auth.models import Group, User

        import sequere

        actstream_registry.register(User, Group)
        for model in (User, Group):
            if not sequere.registry.is_registered(model):
                sequere.register(model)

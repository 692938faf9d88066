"""django-sequere: any registered model instance can follow any other.

Register models in a ``sequere_registry.py`` module of their app::

    import sequere
    sequere.register(User)
"""

from __future__ import annotations

from .follow_results import REQUESTED
from .registration import registry

__all__ = ["autodiscover", "register", "registry", "REQUESTED", "__version__"]

__version__ = "1.0.0.dev0"

register = registry.register


def autodiscover() -> None:
    """Import the ``sequere_registry`` module of every installed app that has one."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("sequere_registry")

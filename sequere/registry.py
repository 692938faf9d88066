"""``sequere.registry``: the module path the original django-sequere exposed.

Code written for it keeps working::

    from sequere.registry import registry, register
    registry.get_identifier(project)

Importing this module makes ``sequere.registry`` name the module instead of the registry object
(Python binds a submodule to its package's attribute); the module therefore answers everything the
object does, calls included, so ``sequere.registry(Project, ProjectSequere)`` works either way.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from . import autodiscover
from .base import ModelBase
from .registration import Registry, registry

__all__ = ["Registry", "autodiscover", "register", "registry"]

register = registry.register


class _RegistryModule(types.ModuleType):
    def __call__(self, model: type, model_base: type[ModelBase] | None = None) -> ModelBase:
        return registry.register(model, model_base)

    def __getattr__(self, name: str) -> Any:
        return getattr(registry, name)


sys.modules[__name__].__class__ = _RegistryModule

"""Which models take part, under which identifier: the map between instances and :class:`Ref`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models.options import Options
from django.utils.functional import LazyObject

from .base import ModelBase
from .exceptions import (
    AlreadyRegisteredException,
    InvalidIdentifierException,
    InvalidInstanceException,
    NotRegisteredException,
)
from .refs import Ref
from .signals import model_registered, model_unregistered

MAX_IDENTIFIER_LENGTH = 100


def concrete(instance: Any) -> Any:
    """``instance`` itself, or the object a lazy proxy (``request.user``) wraps.

    The views hand the logged-in user on through this, so that what sequere stores, signals and
    says in its messages is the user (``<User: ann>``), not ``<SimpleLazyObject: <User: ann>>``.
    """
    if isinstance(instance, LazyObject):
        # the pickle protocol is the proxy's public way to hand out what it wraps
        return instance.__reduce__()[1][0]
    return instance


def _label(model: Any) -> str:
    meta = getattr(model, "_meta", None)
    return meta.label if meta is not None else repr(model)


def _valid_pks(model: type, object_ids: Iterable[str]) -> list[Any]:
    """The stored ids that can be primary keys of ``model`` (malformed or out-of-range ones dropped)."""
    pk_field = model._meta.pk
    ops = connections[router.db_for_read(model)].ops
    internal_type = pk_field.get_internal_type()
    low, high = (None, None)
    if internal_type in ops.integer_field_ranges:
        low, high = ops.integer_field_range(internal_type)
    pks = []
    for object_id in object_ids:
        try:
            pk = pk_field.to_python(object_id)
        except (ValidationError, ValueError, TypeError):
            continue
        if isinstance(pk, int) and ((low is not None and pk < low) or (high is not None and pk > high)):
            continue
        pks.append(pk)
    return pks


class Registry:
    """Maps registered models to their :class:`~sequere.base.ModelBase` options and back."""

    def __init__(self) -> None:
        self._by_model: dict[type, ModelBase] = {}
        self._by_identifier: dict[str, ModelBase] = {}

    def register(self, model: type, model_base: type[ModelBase] | None = None) -> ModelBase:
        """Register ``model`` (optionally with a :class:`ModelBase` subclass) and return its options.

        Registering the same model with the same options again is a no-op, so a registry module
        imported twice does no harm; anything else that collides raises
        :class:`AlreadyRegisteredException`.
        """
        if not hasattr(model, "_meta"):
            raise NotRegisteredException(f"sequere.register() takes a Django model class, not {model!r}.")
        options = (model_base or ModelBase)(model)
        identifier = options.identifier
        if (
            not isinstance(identifier, str)
            or not identifier
            or len(identifier) > MAX_IDENTIFIER_LENGTH
            or "\x00" in identifier
        ):
            raise InvalidIdentifierException(
                f"{_label(model)}: identifier {identifier!r} must be a non-empty string of at most "
                f"{MAX_IDENTIFIER_LENGTH} characters, without NUL characters; set `identifier` on "
                "its ModelBase subclass."
            )
        current = self._by_model.get(model)
        if current is not None:
            if type(current) is type(options):
                return current
            raise AlreadyRegisteredException(
                f"{_label(model)} is already registered with {type(current).__name__}; "
                "call sequere.registry.unregister() first to change its options."
            )
        taken = self._by_identifier.get(identifier)
        if taken is not None:
            raise AlreadyRegisteredException(
                f"Identifier {identifier!r} of {_label(model)} is already used by "
                f"{_label(taken.model)}; give one of them another `identifier` in its ModelBase."
            )
        self._by_model[model] = options
        self._by_identifier[identifier] = options
        model_registered.send(sender=model, options=options)
        return options

    __call__ = register  # the seed README also writes ``sequere.registry(Project, ProjectSequere)``

    def unregister(self, model: type) -> None:
        """Forget ``model``; raise :class:`NotRegisteredException` if it was not registered."""
        options = self.get(model)
        del self._by_model[options.model]
        del self._by_identifier[options.identifier]
        model_unregistered.send(sender=options.model, options=options)

    def is_registered(self, model_or_instance: Any) -> bool:
        """Whether the model (or the instance's model) is registered."""
        return self._lookup(model_or_instance) is not None

    def is_registered_identifier(self, identifier: str) -> bool:
        """Whether a model is registered under ``identifier``."""
        return identifier in self._by_identifier

    @staticmethod
    def _model(model_or_instance: Any) -> Any:
        # ``__class__`` rather than ``type()``: lazy proxies such as ``request.user`` report the
        # class of the object they wrap.
        return model_or_instance if isinstance(model_or_instance, type) else model_or_instance.__class__

    def _lookup(self, model_or_instance: Any) -> ModelBase | None:
        model = self._model(model_or_instance)
        options = self._by_model.get(model)
        if options is None and hasattr(model, "_meta"):
            options = self._by_model.get(model._meta.concrete_model)
        return options

    def get(self, model_or_instance: Any) -> ModelBase:
        """The options of a model or instance; :class:`NotRegisteredException` if none."""
        options = self._lookup(model_or_instance)
        if options is None:
            raise NotRegisteredException(self._not_registered_message(self._model(model_or_instance)))
        return options

    def _not_registered_message(self, model: Any) -> str:
        name = getattr(model, "__name__", repr(model))
        namesakes = [m for m in self._by_model if m.__name__ == name]
        if namesakes:
            # typically django.contrib.auth's User, auto-imported by ``manage.py shell``, where the
            # project registered a User model of its own
            others = ", ".join(_label(m) for m in namesakes)
            return (
                f"{_label(model)} is not registered with sequere, but another model named {name} is "
                f"({others}). Use that model (import it from its app's models module), or add "
                f"`sequere.register({name})` for {_label(model)} to a sequere_registry.py module."
            )
        return (
            f"{_label(model)} is not registered with sequere. Add "
            f"`sequere.register({name})` to a sequere_registry.py module of its app."
        )

    def get_by_identifier(self, identifier: str) -> ModelBase:
        """The options registered under ``identifier``; :class:`NotRegisteredException` if none."""
        try:
            return self._by_identifier[identifier]
        except (KeyError, TypeError):
            known = ", ".join(sorted(self._by_identifier)) or "none"
            raise NotRegisteredException(
                f"No model is registered with sequere under identifier {identifier!r} (registered: {known})."
            ) from None

    def get_identifier(self, model_or_instance_or_identifier: Any) -> str:
        """The identifier of a model, an instance, or a string naming a registered identifier."""
        if isinstance(model_or_instance_or_identifier, str):
            return self.get_by_identifier(model_or_instance_or_identifier).identifier
        return self.get(model_or_instance_or_identifier).identifier

    def get_ref(self, instance: Any) -> Ref:
        """The :class:`Ref` of a saved, registered instance.

        Raises :class:`NotRegisteredException` for an unregistered model and
        :class:`InvalidInstanceException` for a class or an unsaved instance.
        """
        if isinstance(instance, type):
            raise InvalidInstanceException(
                f"sequere needs a model instance, got the class {_label(instance)}; "
                "pass an object such as Model.objects.get(...)."
            )
        if not isinstance(getattr(instance, "_meta", None), Options):
            raise InvalidInstanceException(
                f"sequere needs a saved model instance, got {type(instance).__name__} {instance!r}; "
                "pass an object such as Model.objects.get(...)."
            )
        options = self.get(instance)
        pk = getattr(instance, "pk", None)
        if pk is None or instance._state.adding:
            raise InvalidInstanceException(
                f"This {_label(type(instance))} instance is not saved (pk is {pk!r}); "
                "call .save() on it before following or being followed."
            )
        object_id = str(pk)
        if "\x00" in object_id:
            raise InvalidInstanceException(
                f"The primary key {object_id!r} of this {_label(type(instance))} holds a NUL "
                "character, which no store keeps (PostgreSQL refuses it in text); such a row cannot "
                "follow or be followed."
            )
        return Ref(options.identifier, object_id)

    def load(self, refs: Iterable[Ref]) -> dict[Ref, Any]:
        """Fetch the instances behind ``refs``: one query per identifier among them.

        Refs whose identifier is unknown, whose id is malformed, or whose row is gone are
        missing from the result.
        """
        found: dict[Ref, Any] = {}
        for identifier, model, pks in self._wanted(refs):
            for pk, obj in model._default_manager.in_bulk(pks).items():
                found[Ref(identifier, str(pk))] = obj
        return found

    async def aload(self, refs: Iterable[Ref]) -> dict[Ref, Any]:
        """:meth:`load` through Django's async ORM (``ain_bulk``): the same queries."""
        found: dict[Ref, Any] = {}
        for identifier, model, pks in self._wanted(refs):
            for pk, obj in (await model._default_manager.ain_bulk(pks)).items():
                found[Ref(identifier, str(pk))] = obj
        return found

    def _wanted(self, refs: Iterable[Ref]) -> list[tuple[str, type, list]]:
        """``(identifier, model, valid pks)`` for each registered identifier among ``refs``."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for ref in refs:
            wanted[ref.identifier].add(ref.object_id)
        out = []
        for identifier, object_ids in wanted.items():
            options = self._by_identifier.get(identifier)
            if options is None:
                continue
            pks = _valid_pks(options.model, object_ids)
            if pks:
                out.append((identifier, options.model, pks))
        return out

    def for_identifier(self, identifier: str) -> ModelBase | None:
        """The options registered under ``identifier``, or None."""
        return self._by_identifier.get(identifier)

    def for_model(self, model: type) -> ModelBase | None:
        """The options of ``model``, or None when it is not registered."""
        return self._lookup(model)

    @property
    def models(self) -> list[type]:
        """Every registered model class."""
        return list(self._by_model)

    @property
    def identifiers(self) -> dict[str, type]:
        """``{identifier: model}`` for every registration (as the original package exposed it)."""
        return {identifier: options.model for identifier, options in self._by_identifier.items()}

    def clear(self) -> None:
        """Forget every registration (tests)."""
        for model in list(self._by_model):
            self.unregister(model)


registry = Registry()

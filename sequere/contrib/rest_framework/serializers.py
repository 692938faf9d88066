"""How registered instances, follow edges and actions look in the REST API.

Each registered instance is shown by the serializer registered for its model: the setting
``SEQUERE_REST_SERIALIZERS`` (``{"user": "myapp.api.UserSerializer"}``, keyed by sequere
identifier or ``"app_label.Model"``), then :func:`register_serializer`, then
:class:`InstanceSerializer` (``identifier``, ``id``, ``display``). Whatever serializer is used,
the output carries ``identifier`` and ``id`` so a client can address the object again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from rest_framework import serializers

from ...conf import sequere_settings
from ...registration import registry

__all__ = [
    "ActionSerializer",
    "FollowSerializer",
    "InstanceSerializer",
    "ObjectField",
    "register_serializer",
    "serializer_for",
]

_registered: dict[type, type[serializers.BaseSerializer]] = {}


def register_serializer(model: type, serializer_class: type[serializers.BaseSerializer]) -> None:
    """Show instances of ``model`` with ``serializer_class`` (the setting still wins)."""
    _registered[model] = serializer_class


def serializer_for(model: type) -> type[serializers.BaseSerializer]:
    """The serializer class instances of ``model`` are shown with (see the module doc)."""
    configured = sequere_settings.REST_SERIALIZERS or {}
    for name in (registry.get_identifier(model), model._meta.label):
        value = configured.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            try:
                value = import_string(value)
            except ImportError as exc:
                raise ImproperlyConfigured(
                    f"SEQUERE_REST_SERIALIZERS[{name!r}] = {value!r} cannot be imported ({exc}); "
                    "name a serializer class by its dotted path."
                ) from exc
        return value
    return _registered.get(model, InstanceSerializer)


class InstanceSerializer(serializers.Serializer):
    """The default view of a registered instance: its identifier, pk and ``str()``."""

    identifier = serializers.SerializerMethodField()
    id = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    def get_identifier(self, obj: Any) -> str:
        return registry.get_identifier(obj)

    def get_id(self, obj: Any) -> str:
        return str(obj.pk)

    def get_display(self, obj: Any) -> str:
        return str(obj)


class ObjectField(InstanceSerializer):
    """A registered instance of any model, shown by :func:`serializer_for` its model."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        serializer_class = serializer_for(type(instance))
        if serializer_class is InstanceSerializer:
            return super().to_representation(instance)
        data = dict(serializer_class(instance, context=self.context).data)
        data.setdefault("identifier", registry.get_identifier(instance))
        data.setdefault("id", str(instance.pk))
        return data


class FollowSerializer(serializers.Serializer):
    """One item of a follow list: ``{"object": ..., "since": ...}``.

    ``since`` is when the follow happened (for friends: when it became mutual).
    """

    object = ObjectField(read_only=True)
    since = serializers.DateTimeField(read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        obj, since = instance
        return super().to_representation({"object": obj, "since": since})


class ActionSerializer(serializers.Serializer):
    """One timeline action: id, verb, date, actor, target (or null) and its extra data."""

    id = serializers.CharField(read_only=True)
    verb = serializers.CharField(read_only=True)
    date = serializers.DateTimeField(read_only=True)
    actor = ObjectField(read_only=True)
    target = ObjectField(read_only=True, allow_null=True)
    data = serializers.DictField(read_only=True)


class FollowStateSerializer(serializers.Serializer):
    """The answer of the follow endpoint: whether the logged-in user follows the object."""

    following = serializers.BooleanField(read_only=True)
    #: after a follow or an unfollow, for users who may see the followers
    followers_count = serializers.IntegerField(read_only=True, required=False)


class UnreadSerializer(serializers.Serializer):
    """The unread count of the logged-in user's private timeline and its read mark."""

    unread_count = serializers.IntegerField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MarkReadSerializer(serializers.Serializer):
    """What ``POST timeline/read/`` takes: ``at`` (optional, default now)."""

    at = serializers.DateTimeField(required=False)

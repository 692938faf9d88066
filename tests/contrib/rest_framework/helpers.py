"""Classes the REST tests name by dotted path in settings."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.throttling import AnonRateThrottle


class Short(serializers.Serializer):
    """A project's own serializer for projects: the first three letters of the name."""

    short = serializers.SerializerMethodField()

    def get_short(self, obj) -> str:
        return obj.name[:3]


class TwoPerMinute(AnonRateThrottle):
    """Two anonymous requests a minute."""

    rate = "2/minute"

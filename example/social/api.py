"""How the example site's objects look in the REST API (``SEQUERE_REST_SERIALIZERS``).

The feed's scripts render actions from this JSON (the REST timeline pages and the live feed):
a person's name and page, a status's text, a project's name and page.
"""

from rest_framework import serializers


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField(read_only=True)
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("profile", args=[obj.username])


class StatusSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True)


class ProjectSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

"""Models the test suite follows with: integer, UUID and string primary keys."""

import uuid

from django.db import models

from sequere.mixin import SequereMixin


class User(SequereMixin, models.Model):
    username = models.CharField(max_length=150, unique=True)
    #: a private account: follows of it wait for its approval (UserSequere.requires_approval)
    is_private = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.username


class Project(SequereMixin, models.Model):
    name = models.CharField(max_length=150)

    def __str__(self) -> str:
        return self.name


class Tag(SequereMixin, models.Model):
    """String primary key (may contain characters that matter to Redis keys)."""

    slug = models.CharField(max_length=200, primary_key=True)

    def __str__(self) -> str:
        return self.slug


class Team(SequereMixin, models.Model):
    """UUID primary key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    name = models.CharField(max_length=150)

    def __str__(self) -> str:
        return self.name


class Unregistered(models.Model):
    name = models.CharField(max_length=150)

    def __str__(self) -> str:
        return self.name

"""The table behind :class:`~sequere.backends.database.DatabaseBackend`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from ...refs import Ref
from ...registration import registry

ID_LENGTH = 255
IDENTIFIER_LENGTH = 100


class FollowQuerySet(models.QuerySet):
    """Follow rows selected by the registered instance at either end."""

    def from_instance(self, instance: Any) -> FollowQuerySet:
        """The edges ``instance`` follows along (it is the follower)."""
        ref = registry.get_ref(instance)
        return self.filter(from_identifier=ref.identifier, from_object_id=ref.object_id)

    def to_instance(self, instance: Any) -> FollowQuerySet:
        """The edges that point at ``instance`` (it is followed)."""
        ref = registry.get_ref(instance)
        return self.filter(to_identifier=ref.identifier, to_object_id=ref.object_id)

    def ref_chunks(self, chunk_size: int = 1000) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """Every row as ``(from, to, created_at)``, by id, in lists of at most ``chunk_size``:
        one query per list, each starting after the last id of the one before."""
        fields = ("id", "from_identifier", "from_object_id", "to_identifier", "to_object_id", "created_at")
        rows = self.order_by("id").values_list(*fields)
        last_id = 0
        while True:
            chunk = list(rows.filter(id__gt=last_id)[:chunk_size])
            if not chunk:
                return
            yield [(Ref(fi, fo), Ref(ti, to), at) for _, fi, fo, ti, to, at in chunk]
            last_id = chunk[-1][0]


def _instance(identifier: str, object_id: str) -> Any:
    model = registry.get_by_identifier(identifier).model
    return model._default_manager.get(pk=model._meta.pk.to_python(object_id))


class Follow(models.Model):
    """One directed edge: (from_identifier, from_object_id) follows (to_identifier, to_object_id).

    Object ids are stored as text so integer, UUID and string primary keys all fit.
    ``Follow.objects.from_instance(user)`` and ``.to_instance(project)`` select rows by either end;
    a row's :attr:`from_instance` and :attr:`to_instance` are the model instances themselves.
    """

    from_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    from_object_id = models.CharField(max_length=ID_LENGTH)
    to_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    to_object_id = models.CharField(max_length=ID_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowQuerySet.as_manager()

    class Meta:
        db_table = "sequere_follow"
        verbose_name = "follow"
        verbose_name_plural = "follows"
        constraints = [
            models.UniqueConstraint(
                fields=["from_identifier", "from_object_id", "to_identifier", "to_object_id"],
                name="sequere_follow_unique_edge",
            ),
        ]
        indexes = [
            # followers, newest first; and followers of one type
            models.Index(
                fields=["to_identifier", "to_object_id", "created_at", "id"],
                name="sequere_followers_idx",
            ),
            models.Index(
                fields=["to_identifier", "to_object_id", "from_identifier", "created_at", "id"],
                name="sequere_followers_type_idx",
            ),
            # followings, newest first; and followings of one type
            models.Index(
                fields=["from_identifier", "from_object_id", "created_at", "id"],
                name="sequere_followings_idx",
            ),
            models.Index(
                fields=["from_identifier", "from_object_id", "to_identifier", "created_at", "id"],
                name="sequere_followings_type_idx",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.from_identifier}:{self.from_object_id} follows {self.to_identifier}:{self.to_object_id}"
        )

    @cached_property
    def from_instance(self) -> Any:
        """The follower (one query on first access, then cached); ``DoesNotExist`` if it is gone."""
        return _instance(self.from_identifier, self.from_object_id)

    @cached_property
    def to_instance(self) -> Any:
        """The followed object (one query on first access, then cached); ``DoesNotExist`` if it is gone."""
        return _instance(self.to_identifier, self.to_object_id)


class Relation(models.Model):
    """A dated, directed relation between two registered instances (the base of blocks and mutes).

    ``from`` blocks or mutes ``to``; object ids are text, as in :class:`Follow`.
    """

    from_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    from_object_id = models.CharField(max_length=ID_LENGTH)
    to_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    to_object_id = models.CharField(max_length=ID_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowQuerySet.as_manager()

    class Meta:
        abstract = True

    #: the verb of :meth:`__str__`
    verb = "relates to"

    def __str__(self) -> str:
        source = f"{self.from_identifier}:{self.from_object_id}"
        return f"{source} {self.verb} {self.to_identifier}:{self.to_object_id}"

    @cached_property
    def from_instance(self) -> Any:
        """The one who blocks or mutes (one query on first access); ``DoesNotExist`` if it is gone."""
        return _instance(self.from_identifier, self.from_object_id)

    @cached_property
    def to_instance(self) -> Any:
        """The blocked or muted object (one query on first access); ``DoesNotExist`` if it is gone."""
        return _instance(self.to_identifier, self.to_object_id)


class Block(Relation):
    """``from`` blocks ``to``: no follow either way while the row exists (see :mod:`sequere.relations`)."""

    verb = "blocks"

    class Meta:
        db_table = "sequere_block"
        verbose_name = "block"
        verbose_name_plural = "blocks"
        constraints = [
            models.UniqueConstraint(
                fields=["from_identifier", "from_object_id", "to_identifier", "to_object_id"],
                name="sequere_block_unique",
            ),
        ]
        indexes = [
            # who from blocks, newest first; and of one type
            models.Index(
                fields=["from_identifier", "from_object_id", "created_at", "id"], name="sequere_blocks_idx"
            ),
            models.Index(
                fields=["from_identifier", "from_object_id", "to_identifier", "created_at", "id"],
                name="sequere_blocks_type_idx",
            ),
            # who blocks to (the follow check's reverse direction, the fan-out filter)
            models.Index(
                fields=["to_identifier", "to_object_id", "from_identifier", "from_object_id"],
                name="sequere_blocked_by_idx",
            ),
        ]


class Mute(Relation):
    """``from`` mutes ``to``: the follow stays, ``to``'s actions leave ``from``'s timeline."""

    verb = "mutes"

    class Meta:
        db_table = "sequere_mute"
        verbose_name = "mute"
        verbose_name_plural = "mutes"
        constraints = [
            models.UniqueConstraint(
                fields=["from_identifier", "from_object_id", "to_identifier", "to_object_id"],
                name="sequere_mute_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["from_identifier", "from_object_id", "created_at", "id"], name="sequere_mutes_idx"
            ),
            models.Index(
                fields=["from_identifier", "from_object_id", "to_identifier", "created_at", "id"],
                name="sequere_mutes_type_idx",
            ),
            models.Index(
                fields=["to_identifier", "to_object_id", "from_identifier", "from_object_id"],
                name="sequere_muted_by_idx",
            ),
        ]


class FollowRequest(models.Model):
    """A pending follow request: (from_*) asked to follow (to_*), an account that approves follows.

    Made by :func:`sequere.models.follow` when the followed object's
    :meth:`~sequere.base.ModelBase.requires_approval` says so; turned into a :class:`Follow` by
    :func:`~sequere.models.approve`, deleted by :func:`~sequere.models.deny` and
    :func:`~sequere.models.cancel`. Same columns as :class:`Follow`.
    """

    from_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    from_object_id = models.CharField(max_length=ID_LENGTH)
    to_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    to_object_id = models.CharField(max_length=ID_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowQuerySet.as_manager()

    class Meta:
        db_table = "sequere_follow_request"
        verbose_name = "follow request"
        verbose_name_plural = "follow requests"
        constraints = [
            models.UniqueConstraint(
                fields=["from_identifier", "from_object_id", "to_identifier", "to_object_id"],
                name="sequere_follow_request_unique",
            ),
        ]
        indexes = [
            # requests an account received, newest first (and of one type)
            models.Index(
                fields=["to_identifier", "to_object_id", "from_identifier", "created_at", "id"],
                name="sequere_requests_type_idx",
            ),
            models.Index(
                fields=["to_identifier", "to_object_id", "created_at", "id"],
                name="sequere_requests_idx",
            ),
            # requests a resource sent
            models.Index(
                fields=["from_identifier", "from_object_id", "created_at", "id"],
                name="sequere_sent_requests_idx",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.from_identifier}:{self.from_object_id} asks to follow "
            f"{self.to_identifier}:{self.to_object_id}"
        )

    @cached_property
    def from_instance(self) -> Any:
        """The requester (one query on first access, then cached)."""
        return _instance(self.from_identifier, self.from_object_id)

    @cached_property
    def to_instance(self) -> Any:
        """The account asked (one query on first access, then cached)."""
        return _instance(self.to_identifier, self.to_object_id)

"""Tables of the database timeline backend (:mod:`sequere.contrib.timeline.backends.database`).

They exist whichever backend is configured (``makemigrations`` needs one schema); the Redis
backend simply leaves them empty.
"""

from __future__ import annotations

from django.db import models

IDENTIFIER_LENGTH = 100
ID_LENGTH = 255
VERB_LENGTH = 100

PRIVATE, PUBLIC = 0, 1
KIND_CHOICES = [(PRIVATE, "private"), (PUBLIC, "public")]


class StoredAction(models.Model):
    """The action store: each action once, as the JSON of its record.

    The columns beside ``payload`` are copies for humans and ad-hoc SQL; readers decode
    ``payload`` only, so every backend reads records the same way.
    """

    id = models.CharField(primary_key=True, max_length=32)
    verb = models.CharField(max_length=VERB_LENGTH)
    actor_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    actor_object_id = models.CharField(max_length=ID_LENGTH)
    target_identifier = models.CharField(max_length=IDENTIFIER_LENGTH, null=True)
    target_object_id = models.CharField(max_length=ID_LENGTH, null=True)
    #: microseconds since the Unix epoch
    date = models.BigIntegerField()
    payload = models.TextField()

    class Meta:
        db_table = "sequere_timeline_action"
        verbose_name = "timeline action"

    def __str__(self) -> str:
        return f"{self.actor_identifier}:{self.actor_object_id} {self.verb} ({self.id})"


class Entry(models.Model):
    """One action in one owner's private or public timeline.

    The unique constraint doubles as the index of the main read (owner, kind, newest first):
    ``date`` is a function of ``action``, so it changes nothing about uniqueness. Verb, target
    type and actor are copied from the action so filtered reads and unfollows use an index.
    """

    owner_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    owner_object_id = models.CharField(max_length=ID_LENGTH)
    kind = models.PositiveSmallIntegerField(choices=KIND_CHOICES)
    date = models.BigIntegerField()
    action = models.ForeignKey(
        StoredAction, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    verb = models.CharField(max_length=VERB_LENGTH)
    target_identifier = models.CharField(max_length=IDENTIFIER_LENGTH, null=True)
    actor_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    actor_object_id = models.CharField(max_length=ID_LENGTH)

    class Meta:
        db_table = "sequere_timeline_entry"
        verbose_name = "timeline entry"
        verbose_name_plural = "timeline entries"
        constraints = [
            models.UniqueConstraint(
                fields=["owner_identifier", "owner_object_id", "kind", "date", "action"],
                name="sequere_tl_entry_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["owner_identifier", "owner_object_id", "kind", "verb", "date", "action"],
                name="sequere_tl_entry_verb_idx",
            ),
            models.Index(
                fields=["owner_identifier", "owner_object_id", "kind", "target_identifier", "date", "action"],
                name="sequere_tl_entry_target_idx",
            ),
            # Actor first: an index that began with (owner, kind) like the unique one but is
            # narrower would win the trim's "oldest entries of this timeline" query whenever the
            # statistics are stale, and then sort the whole timeline (measured before autoanalyze).
            models.Index(
                fields=["actor_identifier", "actor_object_id", "owner_identifier", "owner_object_id", "kind"],
                name="sequere_tl_entry_actor2_idx",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.action_id} in {self.owner_identifier}:{self.owner_object_id} ({self.get_kind_display()})"
        )


class Counter(models.Model):
    """Per owner: how many entries each of its timelines holds, its read mark and its unread count.

    Written in the same transaction as every change to the owner's entries (see
    :mod:`sequere.contrib.timeline.backends.database`), so the unfiltered counts are one row
    read. ``unread`` is the owner's private entries dated after ``read_at`` less its public
    entries in that range (its own actions); it may dip below zero when its own actions outlive
    their private copies, and readers clamp it at zero.
    """

    owner_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    owner_object_id = models.CharField(max_length=ID_LENGTH)
    private = models.IntegerField(default=0)
    public = models.IntegerField(default=0)
    unread = models.IntegerField(default=0)
    #: microseconds since the Unix epoch; None: never marked as read
    read_at = models.BigIntegerField(null=True)

    class Meta:
        db_table = "sequere_timeline_counter"
        verbose_name = "timeline counter"
        constraints = [
            models.UniqueConstraint(
                fields=["owner_identifier", "owner_object_id"], name="sequere_tl_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.owner_identifier}:{self.owner_object_id}: {self.private} private, "
            f"{self.public} public, {self.unread} unread"
        )


class UnfollowMark(models.Model):
    """When an owner last stopped following an actor, so a late fan-out does not bring it back."""

    owner_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    owner_object_id = models.CharField(max_length=ID_LENGTH)
    actor_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    actor_object_id = models.CharField(max_length=ID_LENGTH)
    #: microseconds since the Unix epoch
    at = models.BigIntegerField()

    class Meta:
        db_table = "sequere_timeline_unfollow"
        constraints = [
            models.UniqueConstraint(
                fields=["owner_identifier", "owner_object_id", "actor_identifier", "actor_object_id"],
                name="sequere_tl_unfollow_unique",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.owner_identifier}:{self.owner_object_id} unfollowed "
            f"{self.actor_identifier}:{self.actor_object_id} at {self.at}"
        )


class PulledFollowing(models.Model):
    """A pulled actor an owner follows (hybrid fan-out): its public entries dated from ``since``
    on are merged into the owner's private timeline when read."""

    owner_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    owner_object_id = models.CharField(max_length=ID_LENGTH)
    actor_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    actor_object_id = models.CharField(max_length=ID_LENGTH)
    #: microseconds since the Unix epoch: the cut-off
    since = models.BigIntegerField()

    class Meta:
        db_table = "sequere_timeline_pulled"
        constraints = [
            models.UniqueConstraint(
                fields=["owner_identifier", "owner_object_id", "actor_identifier", "actor_object_id"],
                name="sequere_tl_pulled_unique",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.owner_identifier}:{self.owner_object_id} pulls "
            f"{self.actor_identifier}:{self.actor_object_id} from {self.since}"
        )


class PullMode(models.Model):
    """An actor that is pulled rather than pushed (hybrid fan-out), since ``since``."""

    actor_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    actor_object_id = models.CharField(max_length=ID_LENGTH)
    #: microseconds since the Unix epoch
    since = models.BigIntegerField()

    class Meta:
        db_table = "sequere_timeline_pull_mode"
        constraints = [
            models.UniqueConstraint(
                fields=["actor_identifier", "actor_object_id"], name="sequere_tl_pull_mode_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.actor_identifier}:{self.actor_object_id} pulled since {self.since}"


class SeenMark(models.Model):
    """When an owner was last seen (``SEQUERE_TIMELINE_INACTIVE_AFTER``, see
    :mod:`sequere.contrib.timeline.inactive`)."""

    owner_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    owner_object_id = models.CharField(max_length=ID_LENGTH)
    #: microseconds since the Unix epoch
    at = models.BigIntegerField()

    class Meta:
        db_table = "sequere_timeline_seen"
        constraints = [
            models.UniqueConstraint(
                fields=["owner_identifier", "owner_object_id"], name="sequere_tl_seen_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_identifier}:{self.owner_object_id} seen at {self.at}"

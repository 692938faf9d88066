"""The table behind :class:`~sequere.backends.database.DatabaseBackend`."""

from django.db import models
from django.utils import timezone

ID_LENGTH = 255
IDENTIFIER_LENGTH = 100


class Follow(models.Model):
    """One directed edge: (from_identifier, from_object_id) follows (to_identifier, to_object_id).

    Object ids are stored as text so integer, UUID and string primary keys all fit.
    """

    from_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    from_object_id = models.CharField(max_length=ID_LENGTH)
    to_identifier = models.CharField(max_length=IDENTIFIER_LENGTH)
    to_object_id = models.CharField(max_length=ID_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)

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

"""Per-owner counters (entries per timeline, read mark, unread count) replace the read marks' table.

The per-actor index of the entries starts with the actor, so that the trim's reads of a
timeline's oldest entries go to the unique index whatever the statistics say.

The counters are filled from the entries already stored, so an existing install keeps its counts,
read marks and unread counts; going back copies the read marks into ``sequere_timeline_read``.
"""

from collections import defaultdict

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery

PRIVATE, PUBLIC = 0, 1
BATCH_SIZE = 1000


def fill_counters(apps, schema_editor):
    """One ``Counter`` per owner with entries or a read mark, computed from the stored rows."""
    alias = schema_editor.connection.alias
    Entry = apps.get_model("sequere_timeline", "Entry")
    ReadMark = apps.get_model("sequere_timeline", "ReadMark")
    Counter = apps.get_model("sequere_timeline", "Counter")
    entries = Entry._default_manager.using(alias)
    marks = ReadMark._default_manager.using(alias)
    owner = ("owner_identifier", "owner_object_id")
    # owner -> [private, public, private after the mark, public after the mark]
    counts = defaultdict(lambda: [0, 0, 0, 0])
    for oi, oo, kind, n in entries.values_list(*owner, "kind").annotate(n=Count("pk")).order_by().iterator():
        counts[(oi, oo)][0 if kind == PRIVATE else 1] += n
    read_at = dict(((oi, oo), at) for oi, oo, at in marks.values_list(*owner, "at").iterator())
    mark = marks.filter(owner_identifier=OuterRef("owner_identifier"), owner_object_id=OuterRef("owner_object_id"))
    after = (
        entries.filter(date__gt=Subquery(mark.values("at")[:1]))  # owners with no mark: NULL, no row
        .values_list(*owner, "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for oi, oo, kind, n in after.iterator():
        counts[(oi, oo)][2 if kind == PRIVATE else 3] += n
    rows = []
    for key in set(counts) | set(read_at):
        private, public, private_after, public_after = counts[key]
        never = key not in read_at
        rows.append(
            Counter(
                owner_identifier=key[0],
                owner_object_id=key[1],
                private=private,
                public=public,
                unread=(private - public) if never else (private_after - public_after),
                read_at=read_at.get(key),
            )
        )
    Counter._default_manager.using(alias).bulk_create(rows, batch_size=BATCH_SIZE)


def restore_read_marks(apps, schema_editor):
    """Back to 0001: the read marks return to their own table."""
    alias = schema_editor.connection.alias
    Counter = apps.get_model("sequere_timeline", "Counter")
    ReadMark = apps.get_model("sequere_timeline", "ReadMark")
    marked = Counter._default_manager.using(alias).filter(read_at__isnull=False)
    ReadMark._default_manager.using(alias).bulk_create(
        (
            ReadMark(owner_identifier=oi, owner_object_id=oo, at=at)
            for oi, oo, at in marked.values_list("owner_identifier", "owner_object_id", "read_at").iterator()
        ),
        batch_size=BATCH_SIZE,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("sequere_timeline", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Counter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("owner_identifier", models.CharField(max_length=100)),
                ("owner_object_id", models.CharField(max_length=255)),
                ("private", models.IntegerField(default=0)),
                ("public", models.IntegerField(default=0)),
                ("unread", models.IntegerField(default=0)),
                ("read_at", models.BigIntegerField(null=True)),
            ],
            options={
                "verbose_name": "timeline counter",
                "db_table": "sequere_timeline_counter",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("owner_identifier", "owner_object_id"), name="sequere_tl_counter_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_counters, restore_read_marks, elidable=False),
        migrations.DeleteModel(name="ReadMark"),
        # the trim reads the oldest entries of a timeline by the unique index; see models.Entry
        migrations.RemoveIndex(model_name="entry", name="sequere_tl_entry_actor_idx"),
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(
                fields=["actor_identifier", "actor_object_id", "owner_identifier", "owner_object_id", "kind"],
                name="sequere_tl_entry_actor2_idx",
            ),
        ),
    ]

"""Keep the stores in step with model rows: a deleted instance takes its edges and derived state along."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete

from .backends import get_backend
from .outbox import enqueue
from .refs import Ref
from .registration import registry
from .signals import instance_forgotten


def instance_deleted(sender: type, instance: Any, using: str, **kwargs: Any) -> None:
    """``post_delete`` receiver connected for every registered model: queue :func:`forget`.

    The job is recorded in the outbox with the delete. With a follow store inside the database
    transaction it runs at once (and rolls back with the delete); with one outside (Redis) it waits
    for the commit, so a delete that rolls back takes no edge along.
    """
    if not registry.is_registered(sender) or instance.pk is None:
        return
    ref = Ref(registry.get_identifier(sender), str(instance.pk))
    at_commit = not get_backend().joins_database_transaction
    enqueue(forget, at_commit=at_commit, identifier=ref.identifier, object_id=ref.object_id)


def forget(identifier: str, object_id: str) -> int:
    """Job: a registered instance is deleted; drop what was derived from it, then its edges.

    :data:`~sequere.signals.instance_forgotten` is sent first, while the edges still say who
    followed it (the timeline app removes its actions from the followers' timelines then);
    returns how many edges were removed.
    """
    ref = Ref(identifier, object_id)
    options = registry.for_identifier(identifier)
    if options is not None:
        instance_forgotten.send(sender=options.model, ref=ref)
    return get_backend().remove_all(ref)


def _uid(model: type) -> str:
    return f"sequere.delete.{model._meta.label}"


def watch_deletes(sender: type, **kwargs: Any) -> None:
    """``model_registered`` receiver: remove a registered model's edges when a row is deleted.

    Connected per model, not for every model: a ``post_delete`` receiver turns off Django's fast
    delete for the models it listens to.
    """
    post_delete.connect(instance_deleted, sender=sender, weak=False, dispatch_uid=_uid(sender))


def unwatch_deletes(sender: type, **kwargs: Any) -> None:
    """``model_unregistered`` receiver: undo :func:`watch_deletes`."""
    post_delete.disconnect(sender=sender, dispatch_uid=_uid(sender))

"""Keep the follow store in step with model rows: a deleted instance takes its edges along."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete

from .backends import get_backend
from .refs import Ref
from .registration import registry


def instance_deleted(sender: type, instance: Any, using: str, **kwargs: Any) -> None:
    """``post_delete`` receiver connected for every registered model."""
    if not registry.is_registered(sender) or instance.pk is None:
        return
    ref = Ref(registry.get_identifier(sender), str(instance.pk))
    backend = get_backend()
    if backend.joins_database_transaction:
        backend.remove_all(ref)
    else:
        # Redis is outside the transaction: drop the edges only once the delete is committed.
        transaction.on_commit(lambda: backend.remove_all(ref), using=using)


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

"""Keep the follow store in step with model rows: a deleted instance takes its edges along."""

from __future__ import annotations

from typing import Any

from django.db import transaction

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

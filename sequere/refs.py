"""The storage-neutral name of an instance: ``Ref(identifier, object_id)``."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class Ref(NamedTuple):
    """A registered instance as backends store it: its identifier and its pk as a string."""

    identifier: str
    object_id: str


class Edge(NamedTuple):
    """One side of a follow as a backend returns it: the other resource and when it happened."""

    ref: Ref
    created_at: datetime

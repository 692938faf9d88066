"""The part of the backend contract that stores blocks and mutes beside the follow edges.

A *block* ``a -> b`` forbids follows both ways between ``a`` and ``b``; a *mute* ``a -> b`` keeps
the follow and only hides ``b``'s actions from ``a``'s timeline. Both are directed relations
between two :class:`~sequere.refs.Ref`, dated, listed like followings (``fetch`` and ``count``
with the kinds :data:`BLOCKS` and :data:`MUTES`: who ``ref`` blocks, who ``ref`` mutes).

Validation, exceptions and signals are written once above the backends, in
:mod:`sequere.relations`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

from ..refs import Ref

#: ``fetch``/``count`` kinds: the refs ``ref`` blocks, and the refs ``ref`` mutes.
BLOCKS = "blocks"
MUTES = "mutes"
RELATION_KINDS = (BLOCKS, MUTES)


class BlockOutcome(NamedTuple):
    """What :meth:`RelationsContract.block` did.

    ``created``: the block is new (False: it was there, and nothing changed). ``forward``: the
    edge blocker -> blocked existed and was removed; ``backward``: the edge blocked -> blocker
    existed and was removed.
    """

    created: bool
    forward: bool = False
    backward: bool = False


class RelationsContract:
    """Blocks and mutes (mixed into :class:`~sequere.backends.base.BaseBackend`).

    A backend that stores them implements every method below; the defaults raise
    NotImplementedError. The backend's ``add()`` must refuse, in the same atomic step that would
    store the edge, a follow between two refs where either blocks the other: it then raises
    :class:`~sequere.exceptions.BlockedException` and stores nothing.
    """

    #: Whether this backend stores blocks and mutes (tests and docs read it).
    supports_relations: bool = False

    def block(self, blocker: Ref, blocked: Ref, created_at: datetime) -> BlockOutcome:
        """Store "``blocker`` blocks ``blocked``" and remove the follows both ways, atomically
        against concurrent follows of the pair: once it returns, no follow between them exists
        and none can be added until :meth:`unblock`. A block already there keeps its date.
        """
        raise NotImplementedError(f"{type(self).__name__} does not store blocks.")

    def unblock(self, blocker: Ref, blocked: Ref) -> bool:
        """Remove the block; True if it existed, False (and no change) otherwise. The follows it
        removed do not come back."""
        raise NotImplementedError(f"{type(self).__name__} does not store blocks.")

    def is_blocked(self, blocker: Ref, blocked: Ref) -> bool:
        """Whether ``blocker`` blocks ``blocked`` (one direction)."""
        raise NotImplementedError(f"{type(self).__name__} does not store blocks.")

    def mute(self, muter: Ref, muted: Ref, created_at: datetime) -> bool:
        """Store "``muter`` mutes ``muted``"; True if new, False (the first date stays) otherwise."""
        raise NotImplementedError(f"{type(self).__name__} does not store mutes.")

    def unmute(self, muter: Ref, muted: Ref) -> bool:
        """Remove the mute; True if it existed, False (and no change) otherwise."""
        raise NotImplementedError(f"{type(self).__name__} does not store mutes.")

    def is_muted(self, muter: Ref, muted: Ref) -> bool:
        """Whether ``muter`` mutes ``muted``."""
        raise NotImplementedError(f"{type(self).__name__} does not store mutes.")

    def hidden_among(self, actor: Ref, owners: Sequence[Ref]) -> set[Ref]:
        """The refs of ``owners`` that must not see ``actor``'s actions: those that mute ``actor``,
        block it, or are blocked by it. ``set()`` when none.

        The timeline fan-out calls it once per chunk of followers: one query or one round trip,
        whatever the chunk's size (no call per follower).
        """
        raise NotImplementedError(f"{type(self).__name__} does not store blocks or mutes.")

    def iter_relations(self, kind: str, chunk_size: int = 1000) -> Iterator[list[tuple[Ref, Ref, datetime]]]:
        """Every stored block (``kind`` = ``BLOCKS``) or mute (``MUTES``) as ``(from, to, created_at)``,
        in lists of at most ``chunk_size`` (``sequere_migrate`` copies them after the edges)."""
        raise NotImplementedError(f"{type(self).__name__} cannot list its blocks and mutes.")

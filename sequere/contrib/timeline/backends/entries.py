"""Packed timeline entries of the Redis timeline backend: one short binary string per action.

A timeline is one Redis LIST of entries, oldest first. Each entry is::

    date      8 bytes  signed big-endian microseconds since the epoch (the sort key)
    actor     8 bytes  BLAKE2b-64 of the actor's ref (unfollow removal matches it)
    verb      4 bytes  CRC-32 of the verb, low 31 bits; the top bit marks an action saved
                       into this owner's timeline by another actor (collected when trimmed)
    target    4 bytes  CRC-32 of the target's identifier, 0 for an action without target
    id        8 bytes  the action id, for ids of 16 hex digits (what :func:`new_action_id` makes)
              or       NUL, then the id's UTF-8 bytes, for any other id (never 8 bytes long)

32 bytes for an action with a compact id. Entries sort by ``(date, id)``, as the backend
contract orders them. Filters compare hashes, so two verbs (or two identifiers) with the same
CRC-32 would share a filter; readers drop such entries after loading the records (see
:func:`matches`), and among the names of one project that is about as likely as a collision of
two random 32-bit numbers. The Lua scripts in ``lua/`` read the same layout (``OFFSETS`` there
match :data:`ACTOR`, :data:`VERB`, :data:`TARGET`, :data:`ID`).
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from functools import lru_cache

from ....refs import Ref
from ..records import ActionRecord

#: Byte offsets (0-based) of the parts after the date.
ACTOR, VERB, TARGET, ID = 8, 16, 20, 24
#: The verb code's top bit: "saved into this timeline by another actor" (see module doc).
SAVED_HERE = 0x8000_0000
_HEAD = struct.Struct(">qQII")
_COMPACT_ID = re.compile(r"[0-9a-f]{16}")


@lru_cache(maxsize=65536)
def actor_hash(ref: Ref) -> bytes:
    """The 8 bytes an entry holds for its actor."""
    text = f"{ref.identifier}\x00{ref.object_id}".encode()
    return hashlib.blake2b(text, digest_size=8).digest()


@lru_cache(maxsize=4096)
def name_code(name: str | None) -> int:
    """The 31-bit code of a verb or target identifier; 0 for no target (None)."""
    if name is None:
        return 0
    return (zlib.crc32(name.encode()) & 0x7FFF_FFFF) or 1


def id_bytes(action_id: str) -> bytes:
    """How an entry ends for ``action_id`` (see the module doc)."""
    if _COMPACT_ID.fullmatch(action_id):
        return bytes.fromhex(action_id)
    raw = b"\x00" + action_id.encode()
    return b"\x00" + raw if len(raw) == 8 else raw


def pack(record: ActionRecord, *, saved_here: bool = False) -> bytes:
    """The entry of ``record``; ``saved_here`` for an action saved into a timeline not its actor's."""
    verb = name_code(record.verb) | (SAVED_HERE if saved_here else 0)
    head = _HEAD.pack(
        record.date,
        int.from_bytes(actor_hash(record.actor), "big"),
        verb,
        name_code(record.target_identifier),
    )
    return head + id_bytes(record.id)


def is_saved_here(entry: bytes) -> bool:
    """Whether an entry is flagged as saved into its timeline by another actor."""
    return bool(entry[VERB] & 0x80)


def unpack_id(entry: bytes) -> str:
    """The action id an entry ends with."""
    tail = entry[ID:]
    if len(tail) == 8:
        return tail.hex()
    return tail.lstrip(b"\x00").decode()


def matches(record: ActionRecord, verb: str | None, target: str | None) -> bool:
    """Whether ``record`` is what a filtered read asked for (drops CRC-32 look-alikes)."""
    return (verb is None or record.verb == verb) and (target is None or record.target_identifier == target)

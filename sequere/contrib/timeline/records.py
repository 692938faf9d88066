"""Actions as timeline backends store them: plain data, serialized to JSON once, here.

An :class:`ActionRecord` names its actor and target by :class:`~sequere.refs.Ref` and its date in
integer microseconds since the epoch (see :mod:`sequere.timeutils`), so it travels in Celery
messages and Redis values as JSON without pickling model instances.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ...refs import Ref
from .exceptions import InvalidActionException

logger = logging.getLogger("sequere.timeline")

#: Timeline kinds: what followers' actions land in, and what the owner did.
PRIVATE = "private"
PUBLIC = "public"
KINDS = (PRIVATE, PUBLIC)


def new_action_id() -> str:
    """A fresh action id: 16 hex digits (64 random bits), chosen by the caller so retries reuse it.

    The Redis timeline packs such an id into 8 bytes of each entry. Ids are random rather than
    time-ordered: entries are ordered by ``(date, id)`` anyway, and a date prefix would leave too
    few random bits to keep two actions saved in the same instant apart. Two of a store's live
    actions share an id with a probability of about n²/2^65 (n = 10^8 live actions: 3 in 10,000).
    """
    return secrets.token_hex(8)


@dataclass(frozen=True)
class ActionRecord:
    """One stored action.

    ``date`` is integer microseconds since the Unix epoch; ``data`` is the action's extra keyword
    data, already known to be JSON-serializable (see :func:`check_data`).
    """

    id: str
    verb: str
    actor: Ref
    date: int
    target: Ref | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def target_identifier(self) -> str | None:
        """The target's identifier, or None for an action without target."""
        return self.target.identifier if self.target is not None else None

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, strings, numbers), the form tasks carry."""
        return {
            "id": self.id,
            "verb": self.verb,
            "actor": list(self.actor),
            "target": list(self.target) if self.target is not None else None,
            "date": self.date,
            "data": self.data,
        }

    def to_json(self) -> str:
        """The JSON string backends store."""
        return json.dumps(self.to_dict(), separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> ActionRecord:
        """The record for :meth:`to_dict` output; ValueError/KeyError/TypeError when malformed."""
        if not isinstance(value, dict):
            raise ValueError(f"a stored action must be a JSON object, not {type(value).__name__}")
        target = value.get("target")
        data = value.get("data") or {}
        if not isinstance(data, dict):
            raise ValueError(f"action data must be an object, not {type(data).__name__}")
        return cls(
            id=str(value["id"]),
            verb=str(value["verb"]),
            actor=Ref(*(str(part) for part in value["actor"])),
            date=int(value["date"]),
            target=Ref(*(str(part) for part in target)) if target else None,
            data=data,
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> ActionRecord:
        """The record stored as ``raw``; ValueError (or KeyError/TypeError) when corrupt."""
        return cls.from_dict(json.loads(raw))


def check_data(data: dict[str, Any], action_name: str) -> dict[str, Any]:
    """Return ``data`` as it will come back from JSON, or raise :class:`InvalidActionException`.

    Raised before anything is written, naming the offending keys and what to do about them.
    """
    try:
        return json.loads(json.dumps(data, allow_nan=False))
    except RecursionError:
        raise InvalidActionException(
            f"{action_name} extra data is nested too deep to be stored as JSON; keep lists and dicts "
            "to a few levels."
        ) from None
    except (TypeError, ValueError) as exc:
        bad = []
        for key, value in data.items():
            try:
                json.dumps({key: value}, allow_nan=False)
            except (TypeError, ValueError):
                bad.append(f"{key}={value!r}")
        raise InvalidActionException(
            f"{action_name} extra data cannot be stored as JSON ({', '.join(bad) or exc}). "
            "Pass strings, numbers, booleans, None, lists or dicts of those - e.g. an id "
            "or an isoformat() date instead of an object."
        ) from exc


def decode_records(pairs: Iterable[tuple[str, str | bytes | None]]) -> list[ActionRecord]:
    """Decode ``(action_id, stored_json_or_None)`` pairs in order, skipping and logging bad ones.

    Backends use it so every reader skips the same way: a missing value (action deleted) is
    logged at debug level, a corrupt one at warning level; neither is raised.
    """
    records = []
    for action_id, raw in pairs:
        if raw is None:
            logger.debug("timeline: action %s is no longer stored; skipped", action_id)
            continue
        try:
            records.append(ActionRecord.from_json(raw))
        except (ValueError, KeyError, TypeError) as exc:
            logger.warning("timeline: action %s has a corrupt stored value (%s); skipped", action_id, exc)
    return records

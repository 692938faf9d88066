"""Actions: what a resource did (``thoas like La classe americaine``), and the verbs registered for it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from ...registration import registry
from ...timeutils import from_micros, to_micros
from .exceptions import InvalidActionException
from .records import ActionRecord, check_data, new_action_id

__all__ = ["Action", "get_actions"]


#: Dates are microseconds since 1970 below this in magnitude: the Redis timeline's scripts compare
#: them as Lua numbers (doubles), exact up to 2**53.
DATE_LIMIT = 2**53


class Action:
    """Something ``actor`` did, optionally to ``target``, at ``date``; subclass it per verb::

        class LikeAction(Action):
            verb = "like"

        LikeAction(actor=thoas, target=project, rating=5)

    Extra keyword arguments are kept as :attr:`data` (they must serialize to JSON) and read back
    as attributes (``action.rating``). Register the subclasses in the actor's
    :class:`~sequere.base.ModelBase` ``actions``.
    """

    #: The verb stored with the action; every subclass sets its own.
    verb: ClassVar[str | None] = None
    #: Whose followers get the action: its actor's (always), and with ``"target"`` also its
    #: target's (once each for someone who follows both); see docs/timeline.rst.
    deliver_to: ClassVar[tuple[str, ...]] = ("actor",)

    def __init__(self, actor: Any, target: Any = None, date: datetime | None = None, **data: Any) -> None:
        if date is not None and not isinstance(date, datetime):
            raise InvalidActionException(
                f"{type(self).__name__}(date=...) takes a datetime.datetime (or nothing, for now), not "
                f"{type(date).__name__} {date!r}; e.g. date=timezone.now()."
            )
        self.actor = actor
        self.target = target
        self.date = date if date is not None else timezone.now()
        self.data = data
        #: The stored id, set by :meth:`Timeline.save` (None before).
        self.id: str | None = None

    @property
    def uid(self) -> str | None:
        """:attr:`id` under the original django-sequere's name."""
        return self.id

    def __getattr__(self, name: str) -> Any:
        data = self.__dict__.get("data")
        if data is not None and name in data:
            return data[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __str__(self) -> str:
        parts = [str(self.actor), str(self.verb)]
        if self.target is not None:
            parts.append(str(self.target))
        return " ".join(parts)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Action):
            return NotImplemented
        if self.id is None or other.id is None:
            return self is other
        return self.id == other.id

    def __hash__(self) -> int:
        return hash(self.id) if self.id is not None else id(self)

    def to_record(self) -> ActionRecord:
        """The plain record to store, validated: raises before anything is written.

        :class:`InvalidActionException` when the class has no verb, the verb is not among the
        actor model's registered ``actions``, or :attr:`data` does not serialize to JSON;
        the core's exceptions when actor or target is unregistered or unsaved.
        """
        name = type(self).__name__
        if not isinstance(self.verb, str) or not self.verb:
            raise InvalidActionException(
                f"{name} has no verb; set `verb = 'like'` (a non-empty string) on it."
            )
        deliver_to = self.deliver_to
        if (
            not isinstance(deliver_to, tuple)
            or "actor" not in deliver_to
            or not set(deliver_to)
            <= {
                "actor",
                "target",
            }
        ):
            raise InvalidActionException(
                f"{name}.deliver_to = {deliver_to!r}; use ('actor',) (the default) or "
                "('actor', 'target') to reach the target's followers too."
            )
        actor_ref = registry.get_ref(self.actor)
        target_ref = registry.get_ref(self.target) if self.target is not None else None
        allowed = registry.get(self.actor).actions
        if type(self) not in allowed:
            model = type(self.actor).__name__
            raise InvalidActionException(
                f"{name} (verb {self.verb!r}) is not registered for {model}; add it to the `actions` of "
                f"{model}'s ModelBase, e.g. `actions = ({name},)`, and register {model} with it."
            )
        date = to_micros(self.date)
        if abs(date) >= DATE_LIMIT:
            raise InvalidActionException(
                f"{name}(date={self.date!r}) is too far from 1970 for a timeline, which orders actions "
                "by microseconds it compares exactly up to 2**53 (years 1685 to 2255); pass a date "
                "in that range."
            )
        return ActionRecord(
            id=self.id or new_action_id(),
            verb=self.verb,
            actor=actor_ref,
            target=target_ref,
            date=date,
            data=check_data(self.data, name),
        )

    @classmethod
    def from_record(cls, record: ActionRecord, actor: Any, target: Any = None) -> Action:
        """Rebuild an action read from a backend (instances already loaded by the caller)."""
        action = cls(actor=actor, target=target, date=from_micros(record.date), **record.data)
        action.id = record.id
        return action


def get_actions(model: Any = None) -> dict[str, type[Action]]:
    """Registered Action classes by verb: of one model (class, instance or identifier) or of all.

    Raises ImproperlyConfigured when two different classes claim the same verb, or an entry of
    some ``ModelBase.actions`` is not an :class:`Action` subclass with a verb.
    """
    if model is None:
        sources = [registry.get(m) for m in registry.models]
    elif isinstance(model, str):
        sources = [registry.get_by_identifier(model)]
    else:
        sources = [registry.get(model)]
    verbs: dict[str, type[Action]] = {}
    for options in sources:
        for action_class in options.actions:
            if not (
                isinstance(action_class, type) and issubclass(action_class, Action) and action_class.verb
            ):
                raise ImproperlyConfigured(
                    f"{type(options).__name__}.actions holds {action_class!r}; list Action subclasses "
                    "that set `verb`."
                )
            taken = verbs.setdefault(action_class.verb, action_class)
            if taken is not action_class:
                raise ImproperlyConfigured(
                    f"Verb {action_class.verb!r} is claimed by both {taken.__qualname__} and "
                    f"{action_class.__qualname__}; register one class per verb."
                )
    return verbs


def delivers_to_target(verb: str) -> bool:
    """Whether the registered Action class of ``verb`` reaches its target's followers too."""
    action_class = get_actions().get(verb)
    return action_class is not None and "target" in action_class.deliver_to


def any_delivers_to_target() -> bool:
    """Whether some registered Action class reaches its target's followers."""
    return any("target" in action_class.deliver_to for action_class in get_actions().values())

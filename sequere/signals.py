"""Signals of sequere.

``followed`` and ``unfollowed`` are sent once for every real change of a follow edge, with
``sender`` = the follower's class and keyword arguments ``from_instance``, ``to_instance``;
``followed`` also gets ``created_at`` (an aware datetime). Once means once: a call refused
(``AlreadyFollowingException``, ``NotFollowingException``, or silently with
``SEQUERE_FAIL_SILENTLY``) sends none; a call whose reply Redis lost and that was resent sends
its one signal (the resend recognises the call's own write, see :doc:`/redis`); a call that
raises sends none, :class:`~sequere.exceptions.OutcomeUnknownException` included: for that one
the outbox finds out later whether the change was made and then sends its signal, from the job
(:mod:`sequere.outcomes`).

``model_registered`` and ``model_unregistered`` are sent by the registry with ``sender`` = the
model class and ``options`` = its :class:`~sequere.base.ModelBase`.

``instance_forgotten`` is sent by the clean-up job after a registered instance was deleted, with
``sender`` = its model class and ``ref`` = its :class:`~sequere.refs.Ref`, before its edges are
removed: a receiver drops what it derived from the instance (it may run more than once).

``blocked``, ``unblocked``, ``muted`` and ``unmuted`` are sent once per real change of a block or
a mute (:mod:`sequere.relations`), with ``sender`` = the class of the one who blocks or mutes and
keyword arguments ``from_instance`` (who blocks or mutes) and ``to_instance``. A block that
removed follows sends ``unfollowed`` for each of them first.
"""

from django.dispatch import Signal

followed = Signal()
unfollowed = Signal()
model_registered = Signal()
model_unregistered = Signal()
instance_forgotten = Signal()
blocked = Signal()
unblocked = Signal()
muted = Signal()
unmuted = Signal()

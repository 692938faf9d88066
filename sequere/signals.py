"""Signals of sequere.

``followed`` and ``unfollowed`` are sent once for every real change of a follow edge, with
``sender`` = the follower's class and keyword arguments ``from_instance``, ``to_instance``;
``followed`` also gets ``created_at`` (an aware datetime).

``model_registered`` and ``model_unregistered`` are sent by the registry with ``sender`` = the
model class and ``options`` = its :class:`~sequere.base.ModelBase`.
"""

from django.dispatch import Signal

followed = Signal()
unfollowed = Signal()
model_registered = Signal()
model_unregistered = Signal()

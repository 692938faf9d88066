"""Signals sent once for every real change of a follow edge.

Both are sent with ``sender`` = the follower's class and keyword arguments ``from_instance``,
``to_instance``; ``followed`` also gets ``created_at`` (an aware datetime).
"""

from django.dispatch import Signal

followed = Signal()
unfollowed = Signal()

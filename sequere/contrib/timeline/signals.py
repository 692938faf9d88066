"""Signals sent around :meth:`Timeline.save <sequere.contrib.timeline.Timeline.save>` and ``delete``.

Each is sent with ``sender`` = the Action class and keyword arguments ``instance`` (the owner of
the timeline), ``timeline`` and ``action``. ``pre_save`` comes before anything is written (a
receiver that raises stops the save); ``post_save`` once the owner's timelines hold the action
(fan-out to followers is queued, not necessarily done).
"""

from django.dispatch import Signal

pre_save = Signal()
post_save = Signal()
pre_delete = Signal()
post_delete = Signal()

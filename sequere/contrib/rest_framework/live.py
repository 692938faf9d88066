"""The live feed endpoint: the logged-in user's new private-timeline entries as server-sent events.

``GET timeline/live/`` (name ``sequere_rest:live``) answers ``text/event-stream``: the events of
:func:`~sequere.contrib.timeline.live_events.live_events`, each ``action`` event's data being the
JSON the REST API shows for that action (:class:`~.serializers.ActionSerializer`, so the same
per-model serializers), each ``unread`` event's ``{"unread_count": n}``. A plain async Django view
(Django REST framework has no async views): the user comes from the session
(``AuthenticationMiddleware``); anonymous requests get 403 with a JSON ``detail``, and a user
who holds ``SEQUERE_TIMELINE_LIVE_MAX_STREAMS`` feeds open in this process already gets 429.

It streams under an ASGI server (uvicorn, daphne, ...). Under WSGI (``runserver``, gunicorn's
sync workers) a response cannot stay open without holding a worker thread, so there the view
sends one read and ends; the browser's ``EventSource`` reconnects ``retry`` milliseconds later
with ``Last-Event-ID`` and gets the next one: polling, slower, but the same events.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET
from rest_framework.utils.encoders import JSONEncoder

from ...conf import sequere_settings
from ...registration import registry
from ..timeline.live_events import RETRY_MS, live_events, open_streams
from .serializers import ActionSerializer

__all__ = ["live_feed", "render_actions"]


def render_actions(actions: list[Any]) -> list[str]:
    """Each action as the JSON string the REST timeline pages show it as."""
    data = ActionSerializer(actions, many=True).data
    return [json.dumps(item, cls=JSONEncoder, separators=(",", ":")) for item in data]


@require_GET
async def live_feed(request: HttpRequest) -> HttpResponse:
    """Stream the logged-in user's live feed (see the module doc)."""
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=403)
    if not registry.is_registered(user):
        raise ImproperlyConfigured(
            f"{user.__class__._meta.label} (the user model) is not registered with sequere; add "
            "'sequere.contrib.user' to INSTALLED_APPS or register it in a sequere_registry.py module."
        )
    owner = registry.get_ref(user)
    limit = sequere_settings.TIMELINE_LIVE_MAX_STREAMS
    if limit is not None and open_streams(owner) >= int(limit):
        response = JsonResponse(
            {"detail": f"Too many live feeds open for this account (at most {limit}); close one first."},
            status=429,
        )
        response["Retry-After"] = str(max(1, RETRY_MS // 1000))
        return response
    once = not isinstance(request, ASGIRequest)
    events: Any = live_events(
        owner,
        render_actions,
        last_event_id=request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or None,
        once=once,
    )
    if once:
        # Under WSGI the one read is made here, so the response holds a plain iterator: Django
        # warns about (and blocks a thread on) an async one served synchronously.
        events = [chunk async for chunk in events]
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response

"""Template helpers of the example site: ``{% load social_tags %}``.

``{{ action.date|ago }}`` reads "just now", "5 minutes ago", "2 days ago";
``{% followers_phrase count person %}`` renders "1 follower" / "2 followers" in markup that
``follow.js`` updates in place after a follow.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext, ngettext

from sequere import registry

register = template.Library()

#: Younger than this reads "just now" rather than "0 minutes ago".
JUST_NOW = timedelta(minutes=1)


@register.filter(expects_localtime=False)
def ago(value: Any) -> str:
    """How long ago ``value`` was, in its largest unit: "just now", "5 minutes ago", "2 days ago".

    A date slightly in the future (clocks a little apart) also reads "just now"; anything that is
    not a datetime renders as an empty string, as Django's date filters do.
    """
    if not isinstance(value, datetime):
        return ""
    now = datetime.now(dt_timezone.utc if timezone.is_aware(value) else None)
    if now - value < JUST_NOW:
        return gettext("just now")
    return gettext("%(delta)s ago") % {"delta": timesince(value, now, depth=1)}


@register.inclusion_tag("social/_followers_phrase.html")
def followers_phrase(count: int, instance: Any, dom_id: str = "") -> dict[str, Any]:
    """``<count> follower(s)`` of ``instance``, keyed ``"<identifier>:<pk>"`` as the follow form is.

    Both forms go into ``data-one`` / ``data-other`` so the script that updates the count after a
    follow picks the right word without a round trip; ``dom_id`` names the number's element.
    """
    return {
        "count": count,
        "key": f"{registry.get_identifier(instance)}:{instance.pk}",
        "dom_id": dom_id,
        "noun": ngettext("follower", "followers", count),
        "one": ngettext("follower", "followers", 1),
        "other": ngettext("follower", "followers", 2),
    }

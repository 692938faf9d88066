"""Template context for every page: the signed-in person's unread feed count."""

from sequere.contrib.timeline import Timeline


def unread(request) -> dict:
    """``unread_count`` for the navigation badge (0 for anonymous visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_count": 0}
    return {"unread_count": Timeline(user).get_unread_count()}

"""Follow and unfollow views for logged-in users: add ``sequere.contrib.user`` to INSTALLED_APPS.

Then include its URLconf::

    path("sequere/", include("sequere.contrib.user.urls")),

and render a button with ``{% load sequere_tags %}{% sequere_follow_button project %}``.
"""

__all__: list[str] = []

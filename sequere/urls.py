"""``include("sequere.urls")``: kept for projects written for the original django-sequere.

It defines no URL of its own; the follow views are in :mod:`sequere.contrib.user.urls`
(``sequere_follow`` and ``sequere_unfollow``).
"""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []

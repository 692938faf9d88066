"""A URLconf that forgot ``include("sequere.contrib.user.urls")``."""

urlpatterns: list = []

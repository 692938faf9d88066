"""URLs of the example site: its pages, sign in/out, sequere's follow views (the forms without
JavaScript) and its REST API with the live feed (what the pages' scripts use)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("follow/", include("sequere.contrib.user.urls")),
    path("api/sequere/", include("sequere.contrib.rest_framework.urls")),
    path("", include("social.urls")),
]

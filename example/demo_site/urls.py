"""URLs of the example site: its pages, sign in/out, and sequere's follow views."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("follow/", include("sequere.contrib.user.urls")),
    path("", include("social.urls")),
]

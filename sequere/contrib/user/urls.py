"""``include("sequere.contrib.user.urls")``: ``sequere_follow`` and ``sequere_unfollow``."""

from django.urls import path

from .views import FollowView, UnFollowView

urlpatterns = [
    path("follow/", FollowView.as_view(), name="sequere_follow"),
    path("unfollow/", UnFollowView.as_view(), name="sequere_unfollow"),
]

"""URLs of the REST API; ``include("sequere.contrib.rest_framework.urls")`` under any prefix."""

from __future__ import annotations

from django.urls import path

from . import live, relations, views

app_name = "sequere_rest"

OBJECT = "objects/<str:identifier>/<path:object_id>"

api_patterns = [
    path(f"{OBJECT}/followers/", views.FollowersView.as_view(), name="followers"),
    path(f"{OBJECT}/followings/", views.FollowingsView.as_view(), name="followings"),
    path(f"{OBJECT}/friends/", views.FriendsView.as_view(), name="friends"),
    path(f"{OBJECT}/follow/", views.FollowView.as_view(), name="follow"),
    path(f"{OBJECT}/block/", relations.BlockView.as_view(), name="block"),
    path(f"{OBJECT}/mute/", relations.MuteView.as_view(), name="mute"),
    path("blocks/", relations.BlockListView.as_view(), name="blocks"),
    path("mutes/", relations.MuteListView.as_view(), name="mutes"),
    path(f"{OBJECT}/timeline/", views.PublicTimelineView.as_view(), name="public-timeline"),
    path("timeline/", views.PrivateTimelineView.as_view(), name="private-timeline"),
    path("timeline/unread/", views.UnreadView.as_view(), name="unread"),
    path("timeline/read/", views.MarkReadView.as_view(), name="mark-read"),
]

urlpatterns = [
    *api_patterns,
    path("timeline/live/", live.live_feed, name="live"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
]

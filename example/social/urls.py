"""URLs of the example site's pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("feed/read/", views.mark_read, name="mark_read"),
    path("feed/unread/", views.unread_count, name="unread_count"),
    path("status/", views.post_status, name="post_status"),
    path("signup/", views.signup, name="signup"),
    path("people/", views.people, name="people"),
    path("people/<str:username>/", views.profile, name="profile"),
    path("people/<str:username>/block/", views.block_person, name="block_person"),
    path("people/<str:username>/<str:kind>/", views.person_list, name="person_list"),
    path("projects/", views.projects, name="projects"),
    path("projects/<slug:slug>/", views.project, name="project"),
    path("projects/<slug:slug>/followers/", views.project_followers, name="project_followers"),
    path("projects/<slug:slug>/like/", views.like, name="like"),
]

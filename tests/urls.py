from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("sequere/", include("sequere.contrib.user.urls")),
]
if settings.HAS_REST_FRAMEWORK:
    urlpatterns.append(path("api/sequere/", include("sequere.contrib.rest_framework.urls")))

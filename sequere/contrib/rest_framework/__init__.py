"""A REST API for follows and timelines, on Django REST framework (``pip install 'django-sequere[rest]'``).

Add ``"rest_framework"`` to ``INSTALLED_APPS`` and include the URLs::

    path("api/sequere/", include("sequere.contrib.rest_framework.urls")),

Endpoints (``<identifier>`` is a registered model's sequere identifier, ``<object_id>`` its pk):

==========================================================  =======================================
``GET objects/<identifier>/<object_id>/followers/``         cursor page of followers
``GET .../followings/``, ``GET .../friends/``               the same for followings and friends
``GET|POST|DELETE objects/<identifier>/<object_id>/follow/``  is-following, follow, unfollow
``GET objects/<identifier>/<object_id>/timeline/``          the object's public timeline
``GET timeline/``                                           the logged-in user's private timeline
``GET timeline/unread/``, ``POST timeline/read/``           unread count, mark as read
``GET timeline/live/``                                      the live feed (server-sent events)
``GET schema/``                                             the OpenAPI schema of these endpoints
==========================================================  =======================================

Pages are cursor pages (:mod:`sequere.cursors`): ``?after=`` / ``?before=`` / ``?size=``. See
docs/rest.rst for the payloads, permissions (``ModelBase.can_follow`` and
``can_view_followers``), serializers per model (``SEQUERE_REST_SERIALIZERS`` or
:func:`~sequere.contrib.rest_framework.serializers.register_serializer`) and throttling
(``SEQUERE_REST_THROTTLE_CLASSES``).
"""

__all__: list[str] = []

"""Management commands of the timeline (``manage.py sequere_rebuild_timeline``)."""

"""ASGI entry point of the example site: what ``make demo`` serves with uvicorn.

ASGI holds the live feed's event streams open (``/api/sequere/timeline/live/``); with
``DEBUG`` on, static files are served too, as ``runserver`` would.
"""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")
application = get_asgi_application()

if settings.DEBUG:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)

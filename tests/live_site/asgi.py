"""The ASGI application uvicorn serves in the live-feed tests."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.live_site.settings")
application = get_asgi_application()

"""Project package of the example site (settings, URLs, WSGI)."""

#!/usr/bin/env python
"""Run the example site's management commands: ``python manage.py migrate|seed_demo|runserver``."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

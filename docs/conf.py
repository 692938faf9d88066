"""Sphinx configuration for django-sequere."""

import os
import sys

import django

sys.path.insert(0, os.path.abspath(".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

project = "django-sequere"
author = "django-sequere developers"
copyright = "2026, django-sequere developers"
release = "1.0.0.dev0"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.intersphinx", "sphinx.ext.viewcode"]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
intersphinx_mapping = {}
nitpicky = False
html_theme = "alabaster"
exclude_patterns = ["_build"]

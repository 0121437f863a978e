"""WSGI entry point (gunicorn, runserver). The demo uses asgi.py; see README."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_api.settings")

application = get_wsgi_application()

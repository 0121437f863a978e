"""ASGI entry point: the demo serves the sample with uvicorn so async views run on the loop."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_api.settings")

from django.conf import settings
from django.core.asgi import get_asgi_application

application = get_asgi_application()
if settings.DEBUG:
    # The browsable API's CSS and JS, without a separate static server (never traced).
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application = ASGIStaticFilesHandler(application)

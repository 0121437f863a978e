"""Sphinx configuration for the ot-views documentation (``make docs``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# autodoc imports the packages, and they import Django models and settings: the test settings
# are small, need no database server and include DRF when it is installed.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import ot_views  # noqa: E402

project = "ot-views"
author = "ot-views contributors"
copyright = "ot-views contributors"
release = version = ot_views.__version__

extensions = ["sphinx.ext.autodoc"]
autodoc_member_order = "bysource"
autodoc_typehints = "signature"

exclude_patterns = ["_build", "requirements.txt"]
html_theme = "alabaster"
html_static_path: list[str] = []
html_theme_options = {"description": "OpenTracing server spans for Django and DRF"}

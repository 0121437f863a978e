"""The sample project's tests: its API through the test client, ``make demo`` run for real, its
OTLP export, and ``/traces/`` in a browser (``e2e``, run by ``make e2e``).

They run in the same pytest session as the library's tests (``make test``), on the suite's small
settings: ``test_api.py`` switches to the sample's apps, URLs and middleware itself, and the
other files start the sample as separate processes with its own settings.
"""

from __future__ import annotations

import importlib.util


def _missing(*modules: str) -> bool:
    for module in modules:
        try:
            if importlib.util.find_spec(module) is None:
                return True
        except ModuleNotFoundError:  # "a.b" when "a" itself is not installed
            return True
    return False


# The matrix envs (tox.ini) install only what the core and DRF suites need; the sample needs
# DRF, and its demo needs real servers (make test / make e2e run it all).
collect_ignore: list[str] = []
if _missing("rest_framework"):
    collect_ignore += ["test_api.py", "test_demo.py", "test_otlp.py", "e2e"]
if _missing("requests", "gunicorn", "uvicorn"):
    collect_ignore += ["test_demo.py", "test_otlp.py", "e2e"]

"""Loaded only in make mutation's scratch copy (scripts/mutation.py puts it at the root).

mutmut runs the tests once in its own process, then forks a child per mutant. The child inherits
two things a fresh test process would not have, and both hide what a mutant changed:

- Thread pools made before the fork (asgiref's, which every ``sync_to_async`` call of an async
  test goes through) believe their worker thread still exists in the child, where it does not:
  the first async test would wait forever, and the mutant would count as a timeout (a kill)
  whatever it changed.
- Warm caches: a route, header or view name computed in the unmutated run is served from the
  cache in the child, so the mutated code that computes it never runs and the mutant survives
  whatever it changed.

Each child starts with fresh pools and cold caches. A module-level cache added to ot_views must
be listed in ``_CACHES``.
"""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor

#: module -> its module-level caches (dicts filled as requests are served).
_CACHES = {
    "ot_views.naming": ("_ROUTES", "_VIEW_NAMES"),
    "ot_views.propagation": ("_NAMES",),
    "ot_views.db": ("_NAMES",),
}


def _fresh_child() -> None:
    from asgiref.sync import SyncToAsync

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    SyncToAsync.context_to_thread_executor.clear()
    for name, caches in _CACHES.items():
        module = sys.modules.get(name)
        for cache in caches if module is not None else ():
            getattr(module, cache).clear()
    conf = sys.modules.get("ot_views.conf")
    if conf is not None:  # the settings snapshot holds the key policy and its verdicts
        conf.conf._snapshot = None


os.register_at_fork(after_in_child=_fresh_child)

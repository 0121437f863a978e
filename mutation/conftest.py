"""Loaded only in make mutation's scratch copy (scripts/mutation.py puts it at the root).

mutmut runs the tests once in its own process, then forks a child per mutant. Thread pools made
before the fork (asgiref's, which every ``sync_to_async`` call of an async test goes through)
believe their worker thread still exists in the child, where it does not: the first async test
of a mutant would wait forever, and the mutant would be counted as a timeout (a kill) whatever
it changed. Each child starts with fresh pools instead.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor


def _fresh_pools() -> None:
    from asgiref.sync import SyncToAsync

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    SyncToAsync.context_to_thread_executor.clear()


os.register_at_fork(after_in_child=_fresh_pools)

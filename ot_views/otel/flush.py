"""Export what is still buffered when the process is told to stop (SIGTERM).

``atexit`` (the SDK's ``shutdown_on_exit``) is not enough: uvicorn re-raises SIGTERM with the
handler it found at start-up after its graceful shutdown, and a process killed by a signal runs
no ``atexit`` hook. So one SIGTERM handler flushes every registered provider (traces and
metrics), then lets the handler it replaced act.

Nothing here happens at import. ``install_sigterm_flush()`` installs the handler; Python allows
that from the main thread only, so it is called where the main thread is sure to pass: by
``otel_tracer()`` when the tracer is built there, and by ``ot_views``' ``AppConfig.ready()`` when
the settings name ``otel_tracer`` (under uvicorn the tracer is first built in a worker thread,
too late and in the wrong thread). Providers register with ``register()`` from any thread.
"""

from __future__ import annotations

import os
import signal
import threading
import weakref
from typing import Any, Protocol


class Flushable(Protocol):
    def force_flush(self, timeout_millis: int = ...) -> bool: ...


_providers: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()
_installed = False

#: How long the flush may hold up the exit, in seconds.
TIMEOUT = 5.0


def register(provider: Flushable) -> None:
    """Flush ``provider`` (a tracer or meter provider) when SIGTERM arrives."""
    with _lock:
        _providers.add(provider)


def installed() -> bool:
    """Whether this process's SIGTERM handler is ours."""
    return _installed


def install_sigterm_flush(timeout: float = TIMEOUT) -> bool:
    """Install the SIGTERM flush, chained before the current handler; ``True`` when in place.

    Idempotent. Outside the main thread (or without SIGTERM) nothing is installed and
    ``False`` is returned: call it from the main thread, before the server starts (settings,
    ``wsgi.py``/``asgi.py``), for a tracer built elsewhere.

    The flush runs in a thread joined with ``timeout``, so a lock held by the interrupted main
    thread can delay the exit but never hang it.
    """
    global _installed
    with _lock:
        if _installed:
            return True
        if threading.current_thread() is not threading.main_thread():
            return False
        try:
            previous = signal.getsignal(signal.SIGTERM)
        except (ValueError, AttributeError):  # pragma: no cover - no SIGTERM on this platform
            return False

        def on_sigterm(signum: int, frame: Any) -> None:
            flusher = threading.Thread(target=flush_all, args=(timeout,), daemon=True)
            flusher.start()
            flusher.join(timeout)
            if callable(previous):
                previous(signum, frame)
            elif previous in (signal.SIG_DFL, None):
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)

        try:
            signal.signal(signal.SIGTERM, on_sigterm)
        except ValueError:  # pragma: no cover - not the main interpreter
            return False
        _installed = True
        return True


def flush_all(timeout: float = TIMEOUT) -> None:
    """Flush every registered provider; a failing one does not stop the others."""
    with _lock:
        providers = list(_providers)
    for provider in providers:
        try:
            provider.force_flush(int(timeout * 1000))
        except Exception:  # the process is going away: nothing to report to
            continue

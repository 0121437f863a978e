"""Reading a child process's output in tests, with a deadline."""

from __future__ import annotations

import os
import selectors
import subprocess
import time


def read_until(process: subprocess.Popen[bytes], marker: str, timeout: float) -> str:
    """Output of ``process`` up to ``marker``, or an AssertionError carrying what it printed.

    Raw reads on the file descriptor, so no line buffered in Python hides from ``select``.
    """
    assert process.stdout is not None
    fd = process.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while marker.encode() not in seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {marker!r} in {timeout:.0f}s; output:\n{seen.decode()}")
            if selector.select(left):
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError(f"the process exited early; output:\n{seen.decode()}")
                seen += chunk
    return seen.decode()

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from . import servers


@pytest.fixture(scope="session")
def live_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str, str], servers.Server]]:
    """``factory(kind, mode)``: a running server, started once per session, always stopped."""
    started: dict[tuple[str, str], servers.Server] = {}
    workdir = tmp_path_factory.mktemp("reliability-servers")

    def factory(kind: str, mode: str) -> servers.Server:
        key = (kind, mode)
        if key not in started:
            started[key] = servers.start(kind, mode, workdir)
        return started[key]

    try:
        yield factory
    finally:
        for server in started.values():
            servers.stop(server)

"""The Python examples in the documentation run, and do what the text around them says.

Every ``.. code-block:: python`` in ``docs/*.rst`` and ``README.rst`` is preceded by a
``.. testable`` comment saying how to check it, or by ``.. not-testable: REASON``
(docs/development.rst lists the forms). The blocks of one page run in order, in one namespace,
under the test settings, so a page reads like a session: a view defined in one block is imported
or requested in the next.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import inspect
import re
import sys
import textwrap
import types
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import global_settings
from django.test import Client, RequestFactory, override_settings
from django.utils.module_loading import import_string

from ot_views.conf import DEFAULTS, type_error
from ot_views.testing import make_tracer, server_spans, traced

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.rst")), ROOT / "README.rst"]

MARK = re.compile(r"^\s*\.\. (?P<kind>testable|not-testable)(?::\s*(?P<args>.*?))?\s*$")
PYTHON_BLOCK = re.compile(r"^(?P<indent>\s*)\.\. code-block:: python\s*$")
MODES = {"", "settings", "module", "view", "test", "skip"}
# Settings a project may set that Django itself does not define.
THIRD_PARTY_SETTINGS = {"REST_FRAMEWORK"}


@dataclass
class Example:
    where: str  # page:line of the code-block directive
    mode: str | None  # None when the block has no marker
    args: list[str]
    code: str


def _body(lines: list[str], start: int, indent: int) -> str:
    """The content of the directive at ``start``: its indented lines, options skipped."""
    body: list[str] = []
    i = start + 1
    while i < len(lines) and lines[i].strip().startswith(":"):  # :linenos: and the like
        i += 1
    for line in lines[i:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    return textwrap.dedent("\n".join(body)).strip("\n") + "\n"


def examples(path: Path) -> list[Example]:
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Example] = []
    marker: re.Match[str] | None = None
    for number, line in enumerate(lines):
        match = MARK.match(line)
        if match:
            marker = match
            continue
        block = PYTHON_BLOCK.match(line)
        if block:
            where = f"{path.relative_to(ROOT)}:{number + 1}"
            code = _body(lines, number, len(block.group("indent")))
            if marker is None:
                found.append(Example(where, None, [], code))
            elif marker.group("kind") == "not-testable":
                found.append(Example(where, "skip", [marker.group("args") or ""], code))
            else:
                words = (marker.group("args") or "").split()
                mode = words[0] if words else ""
                found.append(Example(where, mode, words[1:], code))
            marker = None
            continue
        if line.strip():
            marker = None  # a marker belongs to the block right after it, nothing else
    return found


def test_every_python_block_is_marked() -> None:
    unmarked = [e.where for page in PAGES for e in examples(page) if e.mode is None]
    assert not unmarked, f"python blocks without a '.. testable' marker: {unmarked}"


def test_markers_are_known() -> None:
    bad = [
        (e.where, e.mode)
        for page in PAGES
        for e in examples(page)
        if e.mode is not None and e.mode not in MODES
    ]
    assert not bad, f"unknown '.. testable:' modes (known: {sorted(MODES)}): {bad}"
    unexplained = [
        e.where for p in PAGES for e in examples(p) if e.mode == "skip" and not e.args[0]
    ]
    assert not unexplained, f"'.. not-testable:' needs a reason: {unexplained}"


def test_the_docs_have_examples() -> None:
    # Guards the extraction itself: a broken pattern would make every page pass vacuously.
    counted = {p.name: len(_runnable(p)) for p in PAGES}
    assert counted["tutorial.rst"] >= 6
    assert counted["README.rst"] >= 1
    assert sum(counted.values()) >= 30


# -- running a page ---------------------------------------------------------------------------


def _assigned_names(code: str) -> list[str]:
    names = []
    for node in ast.parse(code).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _has_otel() -> bool:
    try:
        return importlib.util.find_spec("opentelemetry.sdk") is not None
    except ModuleNotFoundError:
        return False


def check_settings(example: Example) -> None:
    """A settings snippet: real setting names, values the package accepts, importable paths."""
    namespace: dict[str, Any] = {}
    exec(compile(example.code, example.where, "exec"), namespace)
    settings = [n for n in _assigned_names(example.code) if n.isupper()]
    assert settings, f"{example.where}: a settings example that sets no setting"
    for name in settings:
        value = namespace[name]
        if not name.startswith("OPENTRACING_"):
            known = hasattr(global_settings, name) or name in THIRD_PARTY_SETTINGS
            assert known, f"{example.where}: {name} is not a Django setting"
            continue
        assert name in DEFAULTS, f"{example.where}: {name} is not an ot-views setting"
        problem = type_error(name, value)
        assert problem is None, f"{example.where}: {name} {problem}"
        if name.endswith(("_CALLABLE", "_CB")) and isinstance(value, str):
            if value.startswith(("ot_views.tracers", "ot_views.otel")) and not _has_otel():
                continue  # the otel extra is not installed in this environment
            if value.startswith("ot_views"):  # the package's own paths must exist
                assert callable(import_string(value)), f"{example.where}: {value}"


class Page:
    """The state one page's examples share: a namespace, modules they defined, the URLconf."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "docs_example"}
        self.modules: list[str] = []
        self.urlconf: str | None = None

    def module(self, example: Example) -> None:
        (name,) = example.args
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            dotted = ".".join(parts[:depth])
            if dotted in sys.modules:
                assert dotted in self.modules, f"{example.where}: {dotted} is a real module"
                continue
            module = types.ModuleType(dotted)
            if depth < len(parts):
                module.__path__ = []
            sys.modules[dotted] = module
            self.modules.append(dotted)
            if depth > 1:
                setattr(sys.modules[".".join(parts[: depth - 1])], parts[depth - 1], module)
        exec(compile(example.code, example.where, "exec"), sys.modules[name].__dict__)
        if name.endswith(".urls"):
            self.urlconf = name

    def run(self, example: Example) -> None:
        exec(compile(example.code, example.where, "exec"), self.namespace)

    @contextmanager
    def urls(self) -> Iterator[None]:
        if self.urlconf is None:
            yield
            return
        with override_settings(ROOT_URLCONF=self.urlconf):
            yield

    def view(self, example: Example) -> None:
        """Request the view once; it must answer and produce one server span of that name."""
        name, operation, *options = example.args
        kwargs: dict[str, Any] = {}
        for option in options:
            key, _, value = option.partition("=")
            kwargs[key] = int(value) if value.isdigit() else value
        method = kwargs.pop("method", "get")
        actions = kwargs.pop("actions", None)
        bound = kwargs.pop("tracer", None)
        self.run(example)
        target = self.namespace[name]
        if isinstance(target, type):
            if actions:
                target = target.as_view(dict(a.split(":") for a in actions.split(",")))
            else:
                target = target.as_view()
        tracer = make_tracer()
        with traced(tracer):
            response = target(getattr(RequestFactory(), method)("/"), **kwargs)
            if inspect.isawaitable(response):
                response = asyncio.run(_await(response))
        assert response.status_code < 400, f"{example.where}: answered {response.status_code}"
        if bound is not None:
            tracer = self.namespace[bound].tracer
        names = [s.operation_name for s in server_spans(tracer)]
        assert names == [operation], f"{example.where}: server spans {names}"

    def test(self, example: Example) -> None:
        """Call the block's ``test_*`` functions with the fixtures they name."""
        self.run(example)
        tests = [
            node.name
            for node in ast.parse(example.code).body
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
        ]
        assert tests, f"{example.where}: a test example without test functions"
        for test_name in tests:
            function = self.namespace[test_name]
            with ExitStack() as stack:
                stack.enter_context(self.urls())
                arguments: dict[str, Any] = {}
                for parameter in inspect.signature(function).parameters:
                    if parameter == "client":
                        arguments[parameter] = Client()
                    elif parameter == "rf":
                        arguments[parameter] = RequestFactory()
                    elif parameter == "ot_tracer":
                        arguments[parameter] = stack.enter_context(traced())
                    else:
                        raise AssertionError(f"{example.where}: no fixture {parameter!r}")
                function(**arguments)

    def cleanup(self) -> None:
        for name in reversed(self.modules):
            sys.modules.pop(name, None)


async def _await(awaitable: Any) -> Any:
    return await awaitable


HAS_DRF = importlib.util.find_spec("rest_framework") is not None


def _needs_drf(example: Example) -> bool:
    return bool(re.search(r"^\s*(from|import) (rest_framework|ot_views_drf)\b", example.code, re.M))


def _runnable(page: Path) -> list[Example]:
    return [e for e in examples(page) if e.mode not in (None, "skip")]


PAGES_WITH_EXAMPLES = [p for p in PAGES if _runnable(p)]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=[p.name for p in PAGES_WITH_EXAMPLES])
def test_page_examples(page: Path) -> None:
    # Without DRF (the core-only venv), the DRF examples and the blocks of a page that build on
    # a DRF module are left out; everything else on the page still runs.
    runnable = _runnable(page)
    if not HAS_DRF:
        drf_modules = any(_needs_drf(e) for e in runnable if e.mode == "module")
        runnable = [
            e
            for e in runnable
            if not _needs_drf(e) and not (drf_modules and e.mode in ("module", "test", "view"))
        ]
        if not runnable:
            pytest.skip(f"{page.name} shows Django REST framework, which is not installed here")
    state = Page()
    try:
        for example in runnable:
            if example.mode == "settings":
                check_settings(example)
            elif example.mode == "module":
                state.module(example)
            elif example.mode == "view":
                with state.urls():
                    state.view(example)
            elif example.mode == "test":
                state.test(example)
            else:
                with state.urls():
                    state.run(example)
    finally:
        state.cleanup()

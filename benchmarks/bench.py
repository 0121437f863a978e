#!/usr/bin/env python
"""What tracing costs per request, measured through Django's real WSGI and ASGI handlers.

    python benchmarks/bench.py              # the table (about a minute)
    python benchmarks/bench.py --json       # the same, for tooling
    python benchmarks/bench.py --memory     # 100,000 traced requests: is memory flat?
    python benchmarks/bench.py --profile wsgi.drf.ot_views   # where the time goes (cProfile)

Why it is built this way:

- Every variant runs in its own interpreter with a settings module built by
  ``settings.configure()``, so one variant's middleware, imports or instrumentation (OpenTelemetry
  patches Django globally) cannot leak into another's numbers.
- Requests go through ``WSGIHandler`` / ``ASGIHandler`` with a prebuilt environ or scope and no
  socket: a server and a client would add noise far larger than the overhead being measured.
- Each traced view has an untraced twin that differs only by the tracing, and the overhead is
  also expressed as a multiple of the tracer's own work for the span ot_views promises (extract,
  start with six tags, activate, close, three more tags, finish). That multiple is what the
  integration adds on top of the unavoidable, and it stays meaningful on a faster or slower host.
- All OpenTracing variants use the same ``MockTracer`` that counts finished spans and drops
  them, so memory stays flat and each worker can check it produced one span per request.
- The best of several batches is the figure: on a shared machine noise only ever adds time.
  Rounds alternate the variant order so a slow spell does not hit one variant only.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

MIDDLEWARE = "ot_views.middleware.OpenTracingMiddleware"
DOT_MIDDLEWARE = "django_opentracing.middleware.OpenTracingMiddleware"

# The incoming request: a browser-like set of headers plus a parent trace context, as a service
# inside a distributed trace receives it. The contract work extracts from the same headers.
TRACE_ID = "5b8aa5a2d2c872e8"
PARENT_SPAN_ID = "321bd3b38c4b6d85"
HEADERS: dict[str, str] = {
    "host": "localhost:8000",
    "user-agent": "bench/1.0 (ot-views)",
    "accept": "application/json",
    "accept-encoding": "gzip, deflate",
    "accept-language": "en",
    "ot-tracer-traceid": TRACE_ID,
    "ot-tracer-spanid": PARENT_SPAN_ID,
}
QUERY = "page=2&q=books"
CONTRACT_URL = f"http://localhost:8000/func/?{QUERY}"


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    server: str  # "wsgi", "asgi" or "-" (no Django at all)
    path: str = ""
    middleware: tuple[str, ...] = ()
    baseline: str | None = None  # the untraced twin
    tracing: str | None = None  # None, "ot_views", "django_opentracing", "opentelemetry"
    needs: str | None = None  # a module that must be importable, else the variant is skipped
    ot_views: bool = field(default=False)
    trace_db: bool = False  # OPENTRACING_TRACE_DB: one more span per request (its SQL query)


VARIANTS: tuple[Variant, ...] = (
    Variant("contract", "tracer contract work alone (no Django)", "-", tracing="contract"),
    Variant("wsgi.func", "function view, untraced", "wsgi", "/func/"),
    Variant(
        "wsgi.func.ot_views",
        "function view + ot_views OpenTracingMiddleware",
        "wsgi",
        "/func/",
        (MIDDLEWARE,),
        "wsgi.func",
        "ot_views",
        ot_views=True,
    ),
    Variant(
        "wsgi.func.floor",
        "function view + only the contract's tracer calls",
        "wsgi",
        "/func/",
        ("benchmarks.app.ContractOnlyMiddleware",),
        "wsgi.func",
        "floor",
    ),
    Variant(
        "wsgi.func.django_opentracing",
        "function view + django-opentracing 1.1.0 middleware",
        "wsgi",
        "/func/",
        (DOT_MIDDLEWARE,),
        "wsgi.func",
        "django_opentracing",
        needs="django_opentracing",
    ),
    Variant(
        "wsgi.func.opentelemetry",
        "function view + opentelemetry-instrumentation-django",
        "wsgi",
        "/func/",
        (),
        "wsgi.func",
        "opentelemetry",
        needs="opentelemetry.instrumentation.django",
    ),
    Variant(
        "wsgi.func.ot_views_otel",
        "function view + ot_views middleware, otel_tracer (conventions, metrics)",
        "wsgi",
        "/func/",
        (MIDDLEWARE,),
        "wsgi.func",
        "ot_views_otel",
        needs="opentelemetry.sdk",
    ),
    Variant("wsgi.cbv", "class-based view, untraced", "wsgi", "/cbv/"),
    Variant(
        "wsgi.cbv.ot_views",
        "class-based view + TracedViewMixin",
        "wsgi",
        "/tcbv/",
        (),
        "wsgi.cbv",
        "ot_views",
        ot_views=True,
    ),
    Variant("wsgi.drf", "DRF APIView, untraced", "wsgi", "/drf/", needs="rest_framework"),
    Variant(
        "wsgi.drf.ot_views",
        "DRF APIView + TracedAPIViewMixin",
        "wsgi",
        "/tdrf/",
        (),
        "wsgi.drf",
        "ot_views",
        needs="rest_framework",
        ot_views=True,
    ),
    # One SQL query per request (SQLite in memory): the third row's overhead over the second is
    # the cost of one SQL child span (OPENTRACING_TRACE_DB).
    Variant("wsgi.query", "class-based view with one SQL query, untraced", "wsgi", "/query/"),
    Variant(
        "wsgi.query.ot_views",
        "  + TracedViewMixin (OPENTRACING_TRACE_DB off)",
        "wsgi",
        "/tquery/",
        (),
        "wsgi.query",
        "ot_views",
        ot_views=True,
    ),
    Variant(
        "wsgi.query.ot_views_db",
        "  + OPENTRACING_TRACE_DB: the query's child span",
        "wsgi",
        "/tquery/",
        (),
        "wsgi.query.ot_views",
        "ot_views",
        ot_views=True,
        trace_db=True,
    ),
    Variant("asgi.func", "async function view, untraced", "asgi", "/afunc/"),
    Variant(
        "asgi.func.ot_views",
        "async function view + ot_views OpenTracingMiddleware",
        "asgi",
        "/afunc/",
        (MIDDLEWARE,),
        "asgi.func",
        "ot_views",
        ot_views=True,
    ),
    Variant("asgi.cbv", "async class-based view, untraced", "asgi", "/acbv/"),
    Variant(
        "asgi.cbv.ot_views",
        "async class-based view + TracedViewMixin",
        "asgi",
        "/tacbv/",
        (),
        "asgi.cbv",
        "ot_views",
        ot_views=True,
    ),
)
BY_KEY = {v.key: v for v in VARIANTS}
#: The DRF variant runs the most ot_views code per request (mixin, DRF hooks, Request wrapper).
MEMORY_VARIANTS = ("wsgi.drf.ot_views",)
TARGET_MULTIPLE = 2.0


# -- worker side: one variant, in its own process ------------------------------------------------


def make_tracer() -> Any:
    """A ``MockTracer`` (contextvars scopes) that counts finished spans instead of keeping them."""
    from opentracing.mocktracer import MockTracer
    from opentracing.scope_managers.contextvars import ContextVarsScopeManager

    class DroppingTracer(MockTracer):
        def __init__(self) -> None:
            super().__init__(scope_manager=ContextVarsScopeManager())
            self.finished_count = 0
            self.last: Any = None

        def _append_finished_span(self, span: Any) -> None:
            self.finished_count += 1
            self.last = span

    return DroppingTracer()


def patch_django_opentracing() -> None:
    """django-opentracing 1.1.0 never calls ``MiddlewareMixin.__init__``: on Django 5 every
    request then fails. Call it first, at run time, without touching its code otherwise."""
    from django.utils.deprecation import MiddlewareMixin
    from django_opentracing import middleware

    cls = middleware.OpenTracingMiddleware
    if getattr(cls, "_bench_patched", False):
        return
    original = cls.__init__

    def __init__(self: Any, get_response: Any = None) -> None:
        MiddlewareMixin.__init__(self, get_response)
        original(self, get_response)

    cls.__init__ = __init__
    cls._bench_patched = True


class SpanCounter:
    """Where finished spans are counted, whichever tracing library made them."""

    def __init__(self) -> None:
        self.count = 0
        self.last_name: str | None = None
        self.last_tags: dict[str, Any] = {}
        self.tracer: Any = None

    def snapshot(self) -> tuple[int, str | None, dict[str, Any]]:
        if self.tracer is not None:
            last = self.tracer.last
            if last is not None:
                self.last_name, self.last_tags = last.operation_name, dict(last.tags)
            return self.tracer.finished_count, self.last_name, self.last_tags
        return self.count, self.last_name, self.last_tags


def configure(variant: Variant, counter: SpanCounter) -> None:
    """Build the settings for ``variant`` in-process and set Django up."""
    import django
    from django.conf import settings

    extra: dict[str, Any] = {}
    if variant.tracing in ("ot_views", "floor"):
        counter.tracer = make_tracer()
        extra["OPENTRACING_TRACER"] = counter.tracer
        extra["OPENTRACING_TRACE_DB"] = variant.trace_db
    elif variant.tracing == "ot_views_otel":
        extra["OPENTRACING_TRACER"] = otel_views_tracer(counter)
    elif variant.tracing == "django_opentracing":
        import django_opentracing

        patch_django_opentracing()
        counter.tracer = make_tracer()
        extra["OPENTRACING_TRACING"] = django_opentracing.DjangoTracing(counter.tracer)
        extra["OPENTRACING_TRACE_ALL"] = True
    apps = ["django.contrib.contenttypes", "django.contrib.auth", "ot_views"]
    if importlib.util.find_spec("rest_framework") is not None:
        apps.append("rest_framework")
    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark-only",
        ALLOWED_HOSTS=["localhost"],
        ROOT_URLCONF="benchmarks.app",
        INSTALLED_APPS=apps,
        MIDDLEWARE=list(variant.middleware),
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
        LOGGING_CONFIG=None,
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "DEFAULT_PERMISSION_CLASSES": [],
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
            "UNAUTHENTICATED_USER": None,
        },
        **extra,
    )
    django.setup()
    if variant.tracing == "floor":
        from benchmarks import app

        app.CONTRACT_HEADERS.update(HEADERS)
        app.CONTRACT_URL = CONTRACT_URL
    if variant.tracing == "opentelemetry":
        instrument_opentelemetry(counter)


def instrument_opentelemetry(counter: SpanCounter) -> None:
    """The SDK with no exporter: a processor that only counts, so nothing leaves the process."""
    from opentelemetry.instrumentation.django import DjangoInstrumentor
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

    class Counting(SpanProcessor):
        def on_end(self, span: Any) -> None:
            counter.count += 1
            counter.last_name = span.name
            counter.last_tags = dict(span.attributes or {})

    provider = TracerProvider()
    provider.add_span_processor(Counting())
    DjangoInstrumentor().instrument(tracer_provider=provider)


def otel_views_tracer(counter: SpanCounter) -> Any:
    """``otel_tracer`` as a project sets it up, minus the network: spans go to a processor that
    only counts, metrics to an in-memory reader, so the row is the shim, the attribute mapping
    and the request metrics."""
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import SpanProcessor

    from ot_views.otel import otel_tracer

    class Counting(SpanProcessor):
        def on_end(self, span: Any) -> None:
            counter.count += 1
            counter.last_name = span.name
            counter.last_tags = dict(span.attributes or {})

    return otel_tracer(
        "bench",
        span_processor=Counting(),
        metric_reader=InMemoryMetricReader(),
        flush_on_exit=False,
    )


def wsgi_environ(path: str) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": QUERY,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "54321",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in HEADERS.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def wsgi_runner(variant: Variant) -> tuple[Callable[[int], None], Callable[[], str]]:
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()
    environ = wsgi_environ(variant.path)
    last = [""]

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        last[0] = status
        return None

    def run(n: int) -> None:
        for _ in range(n):
            # A fresh environ per request, as a server gives: instrumentations may write to it.
            response = handler(environ.copy(), start_response)
            for _chunk in response:
                pass
            response.close()

    return run, lambda: last[0]


def asgi_runner(variant: Variant) -> tuple[Callable[[int], None], Callable[[], str]]:
    import asyncio

    from django.core.handlers.asgi import ASGIHandler

    handler = ASGIHandler()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": variant.path,
        "raw_path": variant.path.encode(),
        "query_string": QUERY.encode(),
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in HEADERS.items()],
        "client": ("127.0.0.1", 54321),
        "server": ("localhost", 8000),
    }
    request_message = {"type": "http.request", "body": b"", "more_body": False}
    last = [""]

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            last[0] = str(message["status"])

    async def one() -> None:
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return request_message
            # The client never disconnects: Django cancels this wait once the response is sent.
            await loop.create_future()
            raise AssertionError("unreachable")

        await handler(dict(scope), receive, send)

    async def many(n: int) -> None:
        for _ in range(n):
            await one()

    def run(n: int) -> None:
        loop.run_until_complete(many(n))

    return run, lambda: last[0]


def contract_runner(counter: SpanCounter) -> tuple[Callable[[int], None], Callable[[], str]]:
    """The tracer's own work for one request span, with nothing around it."""
    import opentracing
    from opentracing import Format

    tracer = counter.tracer = make_tracer()
    headers = dict(HEADERS)
    extract = tracer.extract
    start_span = tracer.start_span
    activate = tracer.scope_manager.activate
    corrupted = opentracing.SpanContextCorruptedException
    url = CONTRACT_URL

    def run(n: int) -> None:
        for _ in range(n):
            try:
                parent = extract(Format.HTTP_HEADERS, headers)
            except corrupted:
                parent = None
            span = start_span(
                "Hello.get",
                child_of=parent,
                tags={
                    "span.kind": "server",
                    "component": "django",
                    "http.method": "GET",
                    "http.url": url,
                    "peer.ipv4": "127.0.0.1",
                    "http.route": "func/",
                },
                ignore_active_span=True,
            )
            scope = activate(span, False)
            scope.close()
            span.set_tag("django.view", "benchmarks.app.hello")
            span.set_tag("http.status_code", 200)
            span.set_tag("error", False)
            span.finish()

    return run, lambda: "200"


def setup_worker(key: str) -> tuple[Variant, SpanCounter, Callable[[int], None], Callable[[], str]]:
    variant = BY_KEY[key]
    counter = SpanCounter()
    if variant.server == "-":
        run, status = contract_runner(counter)
    else:
        configure(variant, counter)
        runner = wsgi_runner if variant.server == "wsgi" else asgi_runner
        run, status = runner(variant)
    return variant, counter, run, status


def check(variant: Variant, counter: SpanCounter, status: str, requests: int) -> dict[str, Any]:
    """Fail loudly when a variant did not do what it claims: a benchmark of errors is no use."""
    if not status.startswith("200"):
        raise SystemExit(f"{variant.key}: status {status!r}, expected 200")
    spans, name, tags = counter.snapshot()
    expected = (2 if variant.trace_db else 1) * requests if variant.tracing else 0
    if spans != expected:
        raise SystemExit(f"{variant.key}: {spans} spans for {requests} requests")
    return {"spans": spans, "last_span": name, "last_span_tags": sorted(tags)}


CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}


def worker(key: str, n: int, repeats: int, warmup: int, clock: str) -> dict[str, Any]:
    variant, counter, run, status = setup_worker(key)
    now = CLOCKS[clock]
    run(warmup)
    times = []
    for _ in range(repeats):
        gc.collect()
        started = now()
        run(n)
        times.append((now() - started) / n * 1e6)
    result = {"key": key, "n": n, "times_us": times}
    result.update(check(variant, counter, status(), warmup + n * repeats))
    return result


def rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_worker(key: str, requests: int, warmup: int, use_tracemalloc: bool) -> dict[str, Any]:
    """RSS and live objects at ten checkpoints over ``requests`` requests, after a warm-up.

    RSS and the garbage collector's object count are cheap enough for 100,000 requests in
    seconds; ``tracemalloc`` (optional) is exact but slows every allocation several times over.
    """
    import tracemalloc

    variant, counter, run, status = setup_worker(key)
    run(warmup)
    gc.collect()
    if use_tracemalloc:
        tracemalloc.start()
    base_traced = tracemalloc.get_traced_memory()[0] if use_tracemalloc else 0
    base_objects = len(gc.get_objects())
    base_rss = rss_bytes()
    step = max(1, requests // 10)
    checkpoints, rss, objects, traced = [], [], [], []
    done = 0
    while done < requests:
        chunk = min(step, requests - done)
        run(chunk)
        done += chunk
        gc.collect()
        checkpoints.append(done)
        rss.append(rss_bytes() - base_rss)
        objects.append(len(gc.get_objects()) - base_objects)
        if use_tracemalloc:
            traced.append(tracemalloc.get_traced_memory()[0] - base_traced)
    if use_tracemalloc:
        tracemalloc.stop()
    result = {
        "key": key,
        "requests": requests,
        "checkpoints": checkpoints,
        "rss_before": base_rss,
        "rss_growth_bytes": rss,
        "object_growth": objects,
        "traced_growth_bytes": traced,
    }
    result.update(check(variant, counter, status(), warmup + requests))
    return result


# -- orchestrator side ---------------------------------------------------------------------------


def spawn(args: list[str], timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, os.path.abspath(__file__), *args]
    env = dict(os.environ, PYTHONHASHSEED="0")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"worker {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:  # a missing parent package
        return False


def available(variants: tuple[Variant, ...]) -> tuple[list[Variant], list[Variant]]:
    keep, skipped = [], []
    for variant in variants:
        if variant.needs and not _importable(variant.needs):
            skipped.append(variant)
        else:
            keep.append(variant)
    present = {v.key for v in keep}
    keep = [v for v in keep if v.baseline is None or v.baseline in present]
    return keep, skipped


def measure(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    variants, skipped = available(VARIANTS)
    if args.only:
        wanted = set(args.only.split(","))
        while True:  # baselines of baselines too (the SQL span row compares with a traced row)
            more = {BY_KEY[k].baseline for k in wanted if k in BY_KEY and BY_KEY[k].baseline}
            if more <= wanted:
                break
            wanted |= more
        wanted.add("contract")
        variants = [v for v in variants if v.key in wanted]
    times: dict[str, list[float]] = {v.key: [] for v in variants}
    details: dict[str, dict[str, Any]] = {}
    for round_no in range(args.rounds):
        order = variants if round_no % 2 == 0 else list(reversed(variants))
        for variant in order:
            n, repeats, warmup = args.n, args.repeats, max(1, args.n // 5)
            if variant.server == "-":
                n, warmup = args.n * 4, args.n
            elif variant.server == "asgi":
                # Each ASGI request hops to Django's sync thread and back (response.close(),
                # signals); the cost of those wake-ups swings with scheduling, so ASGI gets
                # smaller batches, twice as many, and a longer warm-up.
                n = max(1, args.n // 4)
                repeats, warmup = args.repeats * 2, n * 2
            log(f"  round {round_no + 1}/{args.rounds}: {variant.key} (n={n})")
            out = spawn(
                [
                    "--worker",
                    variant.key,
                    "--n",
                    str(n),
                    "--repeats",
                    str(repeats),
                    "--warmup",
                    str(warmup),
                    "--clock",
                    args.clock,
                ],
                timeout=args.timeout,
            )
            times[variant.key].extend(out["times_us"])
            details[variant.key] = out
    rows = []
    best = {k: min(v) for k, v in times.items()}
    contract = best["contract"]
    for variant in variants:
        overhead = best[variant.key] - best[variant.baseline] if variant.baseline else None
        rows.append(
            {
                "key": variant.key,
                "label": variant.label,
                "server": variant.server,
                "baseline": variant.baseline,
                "best_us": round(best[variant.key], 2),
                "median_us": round(statistics.median(times[variant.key]), 2),
                "overhead_us": None if overhead is None else round(overhead, 2),
                "overhead_x_contract": None if overhead is None else round(overhead / contract, 2),
                "ot_views": variant.ot_views,
                "last_span": details[variant.key].get("last_span"),
                "times_us": [round(t, 3) for t in times[variant.key]],
            }
        )
    # The verdict is on the WSGI rows: through ASGIHandler every request also pays two thread
    # hand-offs whose cost swings by hundreds of microseconds with scheduling, which drowns a
    # difference of a few microseconds. The ASGI rows are printed for the async path's health.
    ours = [r["overhead_x_contract"] for r in rows if r["ot_views"] and r["server"] == "wsgi"]
    return {
        "meta": {
            "python": platform.python_version(),
            "django": _version("django"),
            "djangorestframework": _version("rest_framework"),
            "opentracing": _version("opentracing"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "n": args.n,
            "repeats": args.repeats,
            "rounds": args.rounds,
            "clock": args.clock,
            "figure": "best batch (us per request); median of batches alongside",
            "skipped": [v.key for v in skipped],
        },
        "contract_us": round(contract, 2),
        "worst_ot_views_multiple": max(ours) if ours else None,
        "target_multiple": TARGET_MULTIPLE,
        "rows": rows,
    }


def _version(module: str) -> str | None:
    try:
        mod = __import__(module)
    except ImportError:
        return None
    version = getattr(mod, "__version__", None)
    if version is None:
        from importlib.metadata import version as dist_version

        try:
            return dist_version(module)
        except Exception:
            return None
    return str(version)


def format_table(report: dict[str, Any]) -> str:
    meta = report["meta"]
    lines = [
        f"Python {meta['python']}, Django {meta['django']}, DRF {meta['djangorestframework']}, "
        f"opentracing {meta['opentracing']}, {meta['machine']}",
        f"n={meta['n']} requests per batch (ASGI: n/4, 2x the batches), "
        f"{meta['repeats']} batches x "
        f"{meta['rounds']} rounds per variant; us/request is the best batch, "
        f"{'process CPU time' if meta['clock'] == 'cpu' else 'wall-clock time'}",
        "",
    ]
    header = ("variant", "server", "us/req", "median", "overhead", "x contract")
    width = max(len(r["label"]) for r in report["rows"])
    fmt = f"{{:<{width}}}  {{:>6}}  {{:>7}}  {{:>7}}  {{:>8}}  {{:>10}}"
    lines.append(fmt.format(*header))
    lines.append(fmt.format("-" * width, "-" * 6, "-" * 7, "-" * 7, "-" * 8, "-" * 10))
    for r in report["rows"]:
        overhead = "" if r["overhead_us"] is None else f"{r['overhead_us']:+.1f}"
        multiple = "" if r["overhead_x_contract"] is None else f"{r['overhead_x_contract']:.2f}x"
        if r["key"] == "contract":
            multiple = "1.00x"
        lines.append(
            fmt.format(
                r["label"],
                r["server"].upper() if r["server"] != "-" else "-",
                f"{r['best_us']:.1f}",
                f"{r['median_us']:.1f}",
                overhead,
                multiple,
            )
        )
    lines.append("")
    worst = report["worst_ot_views_multiple"]
    if worst is not None:
        verdict = "met" if worst <= report["target_multiple"] else "NOT met"
        lines.append(
            f"ot_views (WSGI rows): worst overhead {worst:.2f}x the tracer's contract work "
            f"({report['contract_us']:.1f} us); target <= {report['target_multiple']:.1f}x: "
            f"{verdict}"
        )
    floor = next((r for r in report["rows"] if r["key"] == "wsgi.func.floor"), None)
    if floor is not None and floor["overhead_x_contract"] is not None:
        lines.append(
            f"floor: the same tracer calls inside a request cost "
            f"{floor['overhead_x_contract']:.2f}x the contract loop "
            "(no integration can go below this row)"
        )
    if meta["skipped"]:
        lines.append(f"skipped (not installed): {', '.join(meta['skipped'])}")
    return "\n".join(lines)


#: After the first tenth of the run, growth beyond these means memory is not flat.
FLAT_RSS_BYTES = 2 * 2**20
FLAT_OBJECTS = 100


def memory(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    results = []
    for key in args.memory_variants.split(","):
        log(f"  memory: {key}, {args.memory_requests} requests")
        out = spawn(
            [
                "--memory-worker",
                key,
                "--memory-requests",
                str(args.memory_requests),
                "--warmup",
                str(min(2000, max(10, args.memory_requests // 20))),
                *(["--tracemalloc"] if args.tracemalloc else []),
            ],
            timeout=args.timeout * 4,
        )
        # Flat: once caches are warm (the first tenth), memory does not grow with requests.
        out["late_rss_growth_bytes"] = out["rss_growth_bytes"][-1] - out["rss_growth_bytes"][0]
        out["late_object_growth"] = out["object_growth"][-1] - out["object_growth"][0]
        out["flat"] = (
            out["late_rss_growth_bytes"] <= FLAT_RSS_BYTES
            and out["late_object_growth"] <= FLAT_OBJECTS
        )
        results.append(out)
    return {"memory": results, "all_flat": all(r["flat"] for r in results)}


def format_memory(report: dict[str, Any]) -> str:
    lines = []
    for r in report["memory"]:
        lines.append(
            f"{r['key']}: {r['requests']} traced requests after warm-up, "
            f"{r['spans']} spans finished and dropped by the tracer"
        )
        rss = ", ".join(f"{g / 2**20:+.2f}" for g in r["rss_growth_bytes"])
        lines.append(f"  RSS growth at each tenth (MiB, from {r['rss_before'] / 2**20:.1f}): {rss}")
        objs = ", ".join(f"{g:+d}" for g in r["object_growth"])
        lines.append(f"  gc-tracked objects growth at each tenth: {objs}")
        if r["traced_growth_bytes"]:
            kib = ", ".join(f"{g / 1024:+.1f}" for g in r["traced_growth_bytes"])
            lines.append(f"  tracemalloc live growth at each tenth (KiB): {kib}")
        lines.append(
            f"  after the first tenth: RSS {r['late_rss_growth_bytes'] / 2**20:+.2f} MiB, "
            f"objects {r['late_object_growth']:+d}: {'flat' if r['flat'] else 'GROWING'}"
        )
    lines.append("memory: " + ("flat" if report["all_flat"] else "NOT flat"))
    return "\n".join(lines)


def profile(key: str, n: int, use_pyinstrument: bool, limit: int) -> None:
    """Where one variant's time goes, per request, in this process."""
    _variant, _counter, run, _status = setup_worker(key)
    run(max(100, n // 5))
    gc.collect()
    if use_pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0001)
        profiler.start()
        run(n)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        return
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    run(n)
    prof.disable()
    stats = pstats.Stats(prof)
    entries = []
    for (filename, line, func), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():
        short = filename
        for marker in ("site-packages/", ROOT + "/"):
            if marker in filename:
                short = filename.split(marker, 1)[1]
        entries.append((tottime, cumtime, calls, f"{short}:{line}:{func}"))
    total = sum(e[0] for e in entries)
    print(f"{key}: cProfile over {n} requests, {total / n * 1e6:.1f} us/request under the profiler")
    print(f"{'self us/req':>11}  {'cum us/req':>10}  {'calls/req':>9}  function")
    for tottime, cumtime, calls, name in sorted(entries, reverse=True)[:limit]:
        print(f"{tottime / n * 1e6:>11.2f}  {cumtime / n * 1e6:>10.2f}  {calls / n:>9.1f}  {name}")
    ours = [e for e in entries if e[3].startswith(("ot_views", "opentracing", "django_opentr"))]
    print("\ntracing code only (ot_views*, opentracing), by cumulative time:")
    for tottime, cumtime, calls, name in sorted(ours, key=lambda e: -e[1])[:limit]:
        print(f"{tottime / n * 1e6:>11.2f}  {cumtime / n * 1e6:>10.2f}  {calls / n:>9.1f}  {name}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="requests per timed batch")
    parser.add_argument("--repeats", type=int, default=6, help="timed batches per process")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="cpu: process CPU time (all threads), steady on a shared machine; wall: elapsed",
    )
    parser.add_argument("--rounds", type=int, default=3, help="processes per variant")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--quick", action="store_true", help="tiny run: checks it works")
    parser.add_argument("--only", help="comma-separated variant keys (with their baselines)")
    parser.add_argument("--memory", action="store_true", help="the flat-memory check only")
    parser.add_argument("--memory-requests", type=int, default=100_000)
    parser.add_argument("--memory-variants", default=",".join(MEMORY_VARIANTS))
    parser.add_argument("--tracemalloc", action="store_true", help="with --memory: exact, slow")
    parser.add_argument("--profile", metavar="VARIANT", help="profile one variant in-process")
    parser.add_argument("--pyinstrument", action="store_true", help="with --profile")
    parser.add_argument("--limit", type=int, default=25, help="rows of --profile output")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds per worker")
    parser.add_argument("--list", action="store_true", help="list the variants")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--memory-worker", help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, default=500, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.repeats, args.rounds = 40, 2, 1
        args.memory_requests = min(args.memory_requests, 400)
    for key in [args.worker, args.memory_worker, args.profile, *(args.only or "").split(",")]:
        if key and key not in BY_KEY:
            parser.error(f"unknown variant {key!r}; --list shows them")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.n, args.repeats, args.warmup, args.clock)))
        return 0
    if args.memory_worker:
        print(
            json.dumps(
                memory_worker(
                    args.memory_worker, args.memory_requests, args.warmup, args.tracemalloc
                )
            )
        )
        return 0
    if args.profile:
        profile(args.profile, args.n, args.pyinstrument, args.limit)
        return 0
    if args.list:
        for v in VARIANTS:
            print(f"{v.key:<30} {v.label}")
        return 0

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    if args.memory:
        report = memory(args, log)
        print(json.dumps(report, indent=2) if args.json else format_memory(report))
    else:
        report = measure(args, log)
        print(json.dumps(report, indent=2) if args.json else format_table(report))
    log(f"  ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

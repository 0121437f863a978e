"""``/traces/`` in a real browser: the demo's traces as waterfalls, in headless Chromium.

Runs the demo as ``make demo`` does (two uvicorn processes on free 127.0.0.1 ports, the scripted
scenario) and leaves it serving while Debian's Chromium, driven by its own chromedriver through
Selenium, uses the pages of ``ot_views.viewer`` the sample installs. It checks what a reader
relies on: the list with start times and exception types, its filters and the lookup by trace
id; one row per span from both services, nesting that shows, bars inside their parent's,
subtrees that fold and unfold, parent span ids, the services' processes, the failing request in
red, tags and logs one click away, and tag values shown as text, never run as markup.
Screenshots go to ``artifacts/e2e/``.

``make e2e`` installs the browser and Selenium and sets ``OT_VIEWS_E2E=1``, which turns a missing
piece into a failure; any other run (``make test``) skips the module when one is missing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent.parent
ARTIFACTS = ROOT / "artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-crash-reporter",
    "--no-proxy-server",
    "--window-size=1400,1000",
]
WAIT = 15.0  # seconds, for any one thing the browser is waiting for
DEMO_TIMEOUT = 120.0

_missing = [
    what
    for what, present in (
        ("djangorestframework", importlib.util.find_spec("rest_framework") is not None),
        ("selenium", importlib.util.find_spec("selenium") is not None),
        (str(CHROMIUM), CHROMIUM.exists()),
        (str(CHROMEDRIVER), CHROMEDRIVER.exists()),
    )
    if not present
]
if _missing:
    reason = f"browser test needs {', '.join(_missing)} (`make e2e` installs them)"
    if os.environ.get("OT_VIEWS_E2E") == "1":
        raise RuntimeError(reason)  # make e2e: a missing browser fails, it is never a skip
    pytest.skip(reason, allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from sample_api.demo import die_with_parent  # noqa: E402
from sample_api.tests.processes import read_until  # noqa: E402

pytestmark = pytest.mark.slow

READY = "Ctrl-C stops both services."
SERVICES = re.compile(
    r"== services: library (?P<library>http://127\.0\.0\.1:\d+), "
    r"inventory (?P<inventory>http://127\.0\.0\.1:\d+)"
)
# The demo's scenario: one trace per request. The cross-service one has six spans: both
# server spans, the client call, the callee's own span, and each service's SQL query.
SCENARIO_OPERATIONS = {
    "BookViewSet.list",
    "BookViewSet.create",
    "BookViewSet.retrieve",
    "loan_fee",
    "BookViewSet.availability",
    "StatsView.get",
    "export_csv",
}
CROSS_SERVICE = [
    (0, "BookViewSet.availability", "library"),
    (1, "SELECT library_book", "library"),
    (1, "GET inventory /stock/", "library"),
    (2, "StockView.get", "inventory"),
    (3, "stock.lookup", "inventory"),
    (4, "SELECT library_book", "inventory"),
]
#: Each row's parent, by row index (``None`` for the root): the tree CROSS_SERVICE draws.
CROSS_SERVICE_PARENTS = [None, 0, 0, 2, 3, 4]


def port_closed(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, int(port))) != 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``make demo`` left running: the services' URLs; both are stopped (SIGTERM) afterwards."""
    var_dir = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "SAMPLE_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest-django's; the demo sets the sample's
    env.update(SAMPLE_VAR_DIR=str(var_dir), DEMO_READY_TIMEOUT="60")
    process = subprocess.Popen(
        [sys.executable, "-m", "sample_api.demo"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        # Should this test process be killed, the demo still gets its SIGTERM and stops both.
        preexec_fn=die_with_parent,
    )
    urls: dict[str, str] = {}
    try:
        output = read_until(process, READY, DEMO_TIMEOUT)
        assert "(expected" not in output, output  # every scenario step answered as scripted
        found = SERVICES.search(output)
        assert found, output
        urls = found.groupdict()
        yield urls
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the demo's finally stops both servers
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()  # its servers follow it (PR_SET_PDEATHSIG)
                process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
    deadline = time.monotonic() + 15
    while not all(port_closed(url) for url in urls.values()):
        assert time.monotonic() < deadline, f"a demo server is still listening: {urls}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium with a fresh, empty profile; always quit (browser and driver)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    log = tmp_path_factory.mktemp("chromedriver") / "chromedriver.log"
    # An explicit driver path: Selenium Manager (which would download one) never runs.
    service = Service(
        executable_path=str(CHROMEDRIVER),
        log_output=str(log),
        popen_kw={"preexec_fn": die_with_parent},
    )
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(10)
        driver.implicitly_wait(0)
        yield driver
    finally:
        driver.quit()


def wait_for(driver: WebDriver, css: str) -> list[WebElement]:
    WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))
    return driver.find_elements(By.CSS_SELECTOR, css)


def screenshot(driver: WebDriver, name: str) -> Path:
    """A PNG of the page as drawn, kept as an artifact; the window grows to the page's height."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, max(600, min(int(height) + 200, 4000)))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path))
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5_000
    driver.set_window_size(1400, 1000)
    return path


def open_trace(driver: WebDriver, base: str, operation: str) -> None:
    """From the list, click the trace whose root is ``operation`` (as a reader would)."""
    driver.get(f"{base}/traces/")
    wait_for(driver, "#traces tr.trace")
    driver.find_element(By.CSS_SELECTOR, "#traces").find_element(By.LINK_TEXT, operation).click()
    WebDriverWait(driver, WAIT).until(ec.title_contains(operation))
    wait_for(driver, "#waterfall .span-row")


def rows(driver: WebDriver) -> list[dict[str, Any]]:
    out = []
    for row in driver.find_elements(By.CSS_SELECTOR, "#waterfall .span-row"):
        out.append(
            {
                "element": row,
                "depth": int(row.get_attribute("data-depth") or -1),
                "span_id": row.get_attribute("data-span-id"),
                "parent_id": row.get_attribute("data-parent-id"),
                "error": "error" in (row.get_attribute("class") or "").split(),
                "op": row.find_element(By.CSS_SELECTOR, ".op"),
                "service": row.find_element(By.CSS_SELECTOR, ".service").text,
                "track": row.find_element(By.CSS_SELECTOR, ".track").rect,
                "bar": row.find_element(By.CSS_SELECTOR, ".bar"),
            }
        )
    return out


def inside(box: dict[str, float], track: dict[str, float]) -> bool:
    """``box`` lies horizontally within ``track`` (a pixel of rounding allowed)."""
    return track["x"] - 1 <= box["x"] and box["x"] + box["width"] <= track["x"] + track["width"] + 1


def rgb(css_color: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", css_color)[:3])


def test_trace_list_shows_the_scenario_with_the_error_marked(browser, demo):
    browser.get(f"{demo['library']}/traces/")
    trace_rows = wait_for(browser, "#traces tr.trace")
    by_operation = {row.find_element(By.CSS_SELECTOR, "td a").text: row for row in trace_rows}
    assert len(trace_rows) == 8  # one per scenario request; the list itself makes none
    assert set(by_operation) == SCENARIO_OPERATIONS
    errors = [op for op, row in by_operation.items() if "error" in row.get_attribute("class")]
    assert errors == ["loan_fee"]  # the 500; the 404 is no error
    mark = by_operation["loan_fee"].find_element(By.CSS_SELECTOR, ".error-mark")
    assert mark.is_displayed() and mark.text == "ZeroDivisionError"  # the type, without a click
    # When each trace started (UTC, to the millisecond), newest first.
    started = [row.find_element(By.CSS_SELECTOR, "td:nth-child(1)").text for row in trace_rows]
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{3}", t) for t in started), started
    assert started == sorted(started, reverse=True)
    assert not by_operation["BookViewSet.list"].find_elements(By.CSS_SELECTOR, ".error-mark")
    # The two retrieve traces (a 200 and the 404) are told apart by their request and status.
    statuses = sorted(
        row.find_element(By.CSS_SELECTOR, "td:nth-child(4)").text
        for row in trace_rows
        if row.find_element(By.CSS_SELECTOR, "td a").text == "BookViewSet.retrieve"
    )
    assert statuses == ["200", "404"]
    cross = by_operation["BookViewSet.availability"].text
    assert "inventory, library" in cross and " 6 " in f" {cross} "  # both services, 6 spans
    screenshot(browser, "trace-list.png")


def test_cross_service_waterfall_rows_nesting_and_bars(browser, demo):
    open_trace(browser, demo["library"], "BookViewSet.availability")
    found = rows(browser)
    assert [(r["depth"], r["op"].text, r["service"]) for r in found] == CROSS_SERVICE
    # Parentage in the markup is the tree the rows show.
    pairs = [
        (found[parent], child)
        for parent, child in zip(CROSS_SERVICE_PARENTS, found, strict=True)
        if parent is not None
    ]
    assert found[0]["parent_id"] == ""
    for parent, child in pairs:
        assert child["parent_id"] == parent["span_id"]
    # Nesting is visible: each level's label starts further right, siblings' labels align.
    lefts = [r["op"].rect["x"] for r in found]
    for parent, child in pairs:
        assert child["op"].rect["x"] - parent["op"].rect["x"] >= 10, lefts
    assert abs(lefts[1] - lefts[2]) <= 1, lefts
    # Bars: drawn, inside their track, the root spanning it, each child within its parent.
    bars = [r["bar"].rect for r in found]
    for bar, row in zip(bars, found, strict=True):
        assert bar["width"] >= 2 and bar["height"] >= 6
        assert inside(bar, row["track"])
    # Each duration is written on the track, clear of the span names.
    for row in found:
        label = row["element"].find_element(By.CSS_SELECTOR, ".bar-label")
        assert label.text.endswith(" ms") and label.rect["width"] > 0
        assert inside(label.rect, row["track"])
    root = bars[0]
    assert abs(root["x"] - found[0]["track"]["x"]) <= 1
    assert root["width"] >= found[0]["track"]["width"] - 2
    for parent, child in zip(CROSS_SERVICE_PARENTS, bars, strict=True):
        if parent is not None:
            assert child["x"] >= bars[parent]["x"] - 1
            assert child["x"] + child["width"] <= bars[parent]["x"] + bars[parent]["width"] + 1
    # The caller's query finished before its call went out: its bar ends where the call's starts.
    assert bars[1]["x"] + bars[1]["width"] <= bars[2]["x"] + 1
    assert not any(r["error"] for r in found)
    # The details start closed; clicking a row reveals its tags.
    server = found[3]["element"]
    tags = server.find_element(By.CSS_SELECTOR, "table.tags")
    assert not tags.is_displayed()
    found[3]["op"].click()
    WebDriverWait(browser, WAIT).until(lambda d: tags.is_displayed())
    text = tags.text
    assert "span.kind server" in text and "http.route stock/<int:pk>/" in text
    # A query's row: a client span of django.db, its statement with a placeholder, no value.
    query = found[5]["element"]
    query_tags = query.find_element(By.CSS_SELECTOR, "table.tags")
    found[5]["op"].click()
    WebDriverWait(browser, WAIT).until(lambda d: query_tags.is_displayed())
    text = query_tags.text
    assert "span.kind client" in text and "component django.db" in text
    assert 'WHERE "library_book"."id" = %s' in text
    # The open statement wraps inside the page: no sideways scrolling.
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(browser, "waterfall-cross-service.png")


def test_error_trace_is_highlighted_and_shows_its_exception(browser, demo):
    open_trace(browser, demo["library"], "loan_fee")
    assert browser.find_element(By.CSS_SELECTOR, "h1 .error-mark").is_displayed()
    (row,) = rows(browser)
    assert row["error"] and row["depth"] == 0
    red, green, blue = rgb(row["bar"].value_of_css_property("background-color"))
    assert red > 150 and green < 90 and blue < 90, (red, green, blue)
    background = rgb(row["element"].value_of_css_property("background-color"))
    assert background != (255, 255, 255) and background[0] > background[2]  # a pink row
    log = row["element"].find_element(By.CSS_SELECTOR, "table.log")
    assert not log.is_displayed()
    row["op"].click()
    WebDriverWait(browser, WAIT).until(lambda d: log.is_displayed())
    assert "ZeroDivisionError" in log.text and "error.kind" in log.text
    tags = row["element"].find_element(By.CSS_SELECTOR, "table.tags").text
    assert "http.status_code 500" in tags and "error True" in tags
    screenshot(browser, "waterfall-error.png")


def test_query_span_nests_under_the_views_own_span_and_its_statement_wraps(browser, demo):
    open_trace(browser, demo["library"], "BookViewSet.list")
    found = rows(browser)
    assert [(r["depth"], r["op"].text) for r in found] == [
        (0, "BookViewSet.list"),
        (1, "books.query"),
        (2, "SELECT library_book"),  # the ORM query ran inside the view's books.query span
        (1, "books.serialize"),
    ]
    assert found[2]["parent_id"] == found[1]["span_id"]
    assert found[2]["op"].rect["x"] - found[1]["op"].rect["x"] >= 10
    query, parent = found[2]["bar"].rect, found[1]["bar"].rect
    assert parent["x"] - 1 <= query["x"] and query["x"] + query["width"] <= (
        parent["x"] + parent["width"] + 1
    )
    # The join's long statement, opened, wraps within the page rather than widening it.
    found[2]["op"].click()
    cells = found[2]["element"].find_elements(By.CSS_SELECTOR, "table.tags td")
    WebDriverWait(browser, WAIT).until(lambda d: cells[0].is_displayed())
    tags = dict(zip(cells[::2], cells[1::2], strict=True))
    statement = next(value for key, value in tags.items() if key.text == "db.statement")
    assert 'INNER JOIN "library_author"' in statement.text
    assert statement.rect["height"] > 1.5 * cells[0].rect["height"]  # wrapped: two lines or more
    assert inside(statement.rect, {"x": 0, "width": browser.get_window_rect()["width"]})
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(browser, "waterfall-query.png")


def listed_operations(driver: WebDriver) -> list[str]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#traces tr.trace")
    return sorted(row.find_element(By.CSS_SELECTOR, "td a").text for row in rows)


def apply_filters(driver: WebDriver, base: str, **choices: str) -> None:
    """Fill the filter form as a reader would and submit it (a plain GET form, no script)."""
    driver.get(f"{base}/traces/")
    form = wait_for(driver, "form#filters")[0]
    for name, value in choices.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, WAIT).until(lambda d: "?" in d.current_url)
    wait_for(driver, "#traces tbody tr")


def test_filters_by_error_service_operation_and_duration(browser, demo):
    base = demo["library"]
    apply_filters(browser, base, error="1")
    assert listed_operations(browser) == ["loan_fee"]
    assert "error=1" in browser.current_url
    screenshot(browser, "trace-list-errors.png")
    apply_filters(browser, base, service="inventory")
    assert listed_operations(browser) == ["BookViewSet.availability"]  # the trace that crossed
    # An operation anywhere in a trace finds the trace: the callee's view.
    apply_filters(browser, base, operation="StockView.get")
    assert listed_operations(browser) == ["BookViewSet.availability"]
    apply_filters(browser, base, error="0", min_duration="0")
    assert len(listed_operations(browser)) == 7 and "loan_fee" not in listed_operations(browser)
    apply_filters(browser, base, min_duration="3600000")  # an hour: nothing is that slow
    assert listed_operations(browser) == []
    assert "No trace matches these filters." in browser.find_element(By.ID, "traces").text
    browser.find_element(By.LINK_TEXT, "clear").click()
    WebDriverWait(browser, WAIT).until(lambda d: "?" not in d.current_url)
    assert len(listed_operations(browser)) == 8


def test_find_a_trace_by_its_id(browser, demo):
    base = demo["library"]
    browser.get(f"{base}/traces/")
    row = next(
        r
        for r in wait_for(browser, "#traces tr.trace")
        if r.find_element(By.CSS_SELECTOR, "td a").text == "StatsView.get"
    )
    trace_id = row.get_attribute("data-trace-id")
    box = browser.find_element(By.CSS_SELECTOR, "form#find input[name=trace_id]")
    box.send_keys(trace_id.upper())  # as pasted from a log line, in capitals
    box.submit()
    WebDriverWait(browser, WAIT).until(ec.title_contains("StatsView.get"))
    assert browser.current_url == f"{base}/traces/{trace_id}/"
    assert trace_id in browser.find_element(By.TAG_NAME, "body").text
    browser.get(f"{base}/traces/")
    box = wait_for(browser, "form#find input[name=trace_id]")[0]
    box.send_keys("0123456789abcdef")
    box.submit()
    WebDriverWait(browser, WAIT).until(lambda d: "trace_id=" in d.current_url)
    assert (
        "No trace '0123456789abcdef' in the buffer"
        in browser.find_element(By.TAG_NAME, "body").text
    )


def test_subtrees_fold_and_unfold_and_rows_show_their_parent(browser, demo):
    open_trace(browser, demo["library"], "BookViewSet.availability")
    found = rows(browser)
    assert [(r["depth"], r["op"].text) for r in found] == [(d, op) for d, op, _ in CROSS_SERVICE]
    # The client call's subtree: the callee's server span, its own span and its query.
    call = found[2]
    toggle = browser.find_element(
        By.CSS_SELECTOR, f'div.node[data-span-id="{call["span_id"]}"] > details.subtree > summary'
    )
    assert toggle.is_displayed()
    toggle.click()
    WebDriverWait(browser, WAIT).until(lambda d: not found[3]["element"].is_displayed())
    assert [r["element"].is_displayed() for r in found] == [True, True, True, False, False, False]
    screenshot(browser, "waterfall-folded.png")
    toggle.click()
    WebDriverWait(browser, WAIT).until(lambda d: found[5]["element"].is_displayed())
    assert all(r["element"].is_displayed() for r in found)
    # Folding the root hides every other row; its own row stays.
    root_toggle = browser.find_element(
        By.CSS_SELECTOR,
        f'div.node[data-span-id="{found[0]["span_id"]}"] > details.subtree > summary',
    )
    root_toggle.click()
    WebDriverWait(browser, WAIT).until(lambda d: not found[1]["element"].is_displayed())
    assert [r["element"].is_displayed() for r in found] == [True] + [False] * 5
    root_toggle.click()
    WebDriverWait(browser, WAIT).until(lambda d: found[1]["element"].is_displayed())
    # A row's details name its parent span; the root has none.
    found[3]["op"].click()
    parent = found[3]["element"].find_element(By.CSS_SELECTOR, ".parent-id")
    WebDriverWait(browser, WAIT).until(lambda d: parent.is_displayed())
    assert parent.text == found[2]["span_id"]
    found[0]["op"].click()
    root_parent = found[0]["element"].find_element(By.CSS_SELECTOR, ".parent-id")
    WebDriverWait(browser, WAIT).until(lambda d: root_parent.is_displayed())
    assert root_parent.text == "none (root)"
    # Each service's process: service name, host, pid, runtime.
    processes = browser.find_element(By.ID, "processes")
    processes.find_element(By.TAG_NAME, "summary").click()
    tables = processes.find_elements(By.CSS_SELECTOR, "table.process")
    WebDriverWait(browser, WAIT).until(lambda d: tables[0].is_displayed())
    by_service = {t.get_attribute("data-service"): t.text for t in tables}
    assert set(by_service) == {"library", "inventory"}
    for name, text in by_service.items():
        assert f"service.name {name}" in text and "process.pid" in text
    screenshot(browser, "waterfall-details.png")


def test_tag_values_are_shown_as_text_never_run(browser, demo):
    """A request whose User-Agent (a traced attribute of BookViewSet) is markup."""
    payload = "<script>window.__ot_views_xss = 1</script><b>bold</b>"
    request = urllib.request.Request(
        f"{demo['library']}/api/books/",
        headers={"User-Agent": payload, "Accept": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as answer:
        trace_id = answer.headers["X-Trace-Id"]
        json.loads(answer.read())
    browser.get(f"{demo['library']}/traces/{trace_id}/")
    found = wait_for(browser, "#waterfall .span-row")
    assert browser.execute_script("return window.__ot_views_xss === undefined")
    assert not browser.find_elements(By.CSS_SELECTOR, "#waterfall b")
    found[0].find_element(By.CSS_SELECTOR, ".op").click()
    cells = found[0].find_elements(By.CSS_SELECTOR, "table.tags td")
    WebDriverWait(browser, WAIT).until(lambda d: cells[0].is_displayed())
    tags = {key.text: value.text for key, value in zip(cells[::2], cells[1::2], strict=True)}
    assert tags["headers.user-agent"] == payload  # the characters themselves, as text
    screenshot(browser, "waterfall-escaped.png")

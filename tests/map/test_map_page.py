"""``GET /map`` in a real browser: Debian's chromium, headless with software WebGL, on a real server serving the
bundled Camden data.

The bay watched is 46047061, Elizabeth Mews, CA-B: "resident permit holders only", "mon-fri 09:00-18:30, sat
09:30-13:30", permits CA-B; a kerb line from (-0.1620474, 51.5463473) to (-0.1621201, 51.5464020). On Monday 2 March
2026 (GMT) at 10:00 a driver without a permit may not park there (red); at 19:00 anyone may, free (green).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session

from parking_api.services import keys
from parking_api.store.db import make_engine

from .browser import VIEWPORT, chromium, wait_for_map

BAY = (-0.16208375, 51.54637465)  # the middle of bay 46047061's kerb line
MONDAY = "2026-03-02"
RED = (215, 48, 31)  # "you may not park" (map.js)
GREEN = (26, 152, 80)  # "you may park, free"
TURNOVER_UP_TO_3 = (189, 215, 231)  # map.js's turnover scale: more than 1 session per space, at most 3
OCCUPANCY_UP_TO_70 = (253, 141, 60)  # map.js's occupancy scale: more than 50 %, at most 70 %
NO_DATA = (189, 189, 189)


@pytest.fixture(scope="module")
def server(loaded_db_url: str, live_server: str) -> str:
    """A real HTTP server on the committed database holding the bundled data."""
    return live_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


class Visit:
    """A page of the map with everything it requested and every console message and uncaught error."""

    def __init__(self, page: Page):
        self.page = page
        self.requests: list[str] = []
        self.console: list[tuple[str, str]] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: self.console.append((message.type, message.text)))
        page.on("pageerror", lambda error: self.console.append(("pageerror", str(error))))

    def errors(self) -> list[tuple[str, str]]:
        return [(kind, text) for kind, text in self.console if kind in ("error", "pageerror", "warning")]

    def bay_point(self) -> tuple[float, float]:
        """Where the watched bay is drawn, in CSS pixels of the page (the map starts at its top left corner)."""
        script = "([lon, lat]) => { const p = window.parkingMap.project([lon, lat]); return [p.x, p.y]; }"
        x, y = self.page.evaluate(script, list(BAY))
        return x, y

    def colour_at(self, x: float, y: float) -> tuple[int, int, int]:
        """The drawn colour of the map canvas at a point (the canvas keeps its drawing buffer for this)."""
        rgb = self.page.evaluate(
            """([x, y]) => {
                const canvas = window.parkingMap.getCanvas();
                const copy = document.createElement("canvas");
                copy.width = canvas.width; copy.height = canvas.height;
                const context = copy.getContext("2d");
                context.drawImage(canvas, 0, 0);
                const ratio = canvas.width / canvas.clientWidth;
                const d = context.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;
                return [d[0], d[1], d[2]];
            }""",
            [x, y],
        )
        return tuple(rgb)

    def bay_state(self) -> bool | None:
        """The watched bay's ``can_park`` as the rendered tile feature has it (None while not rendered)."""
        return self.page.evaluate(
            """() => { const f = window.parkingMap.queryRenderedFeatures({layers: ["bays-line"]})
                           .find((f) => f.properties.ref === "46047061");
                       return f ? f.properties.can_park : null; }"""
        )


@pytest.fixture
def visit(browser: Browser, server: str) -> Iterator[Visit]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    seen = Visit(page)
    # anything not for this server is refused (and stays recorded, so the test fails on it)
    local = urlsplit(server).netloc
    page.route(
        "**/*", lambda route: route.continue_() if urlsplit(route.request.url).netloc == local else route.abort()
    )
    try:
        yield seen
    finally:
        context.close()


def open_map(visit: Visit, server: str, at: str = f"{MONDAY}T10:00", zoom: int = 18) -> None:
    visit.page.goto(f"{server}/map?at={at}#{zoom}/{BAY[1]}/{BAY[0]}")
    wait_for_map(visit.page)


def near(colour: tuple[int, int, int], expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))


def test_loads_without_console_errors_and_never_leaves_the_machine(visit, server):
    open_map(visit, server)
    assert visit.errors() == []
    local = urlsplit(server).netloc
    outside = [
        u for u in visit.requests if urlsplit(u.removeprefix("blob:")).netloc != local and not u.startswith("data:")
    ]
    assert outside == []
    paths = {urlsplit(u).path for u in visit.requests}
    assert "/map/static/vendor/maplibre-gl/maplibre-gl.js" in paths
    assert any(p.startswith("/v1/tiles/18/") and p.endswith(".mvt") for p in paths)


def test_the_bays_of_a_tile_render_in_their_colour(visit, server):
    open_map(visit, server)
    rendered = visit.page.evaluate(
        "() => window.parkingMap.queryRenderedFeatures({layers: ['bays-line', 'bays-point', 'bays-fill']})"
        ".map((f) => f.properties.ref)"
    )
    assert "46047061" in rendered
    assert visit.bay_state() is False
    assert near(visit.colour_at(*visit.bay_point()), RED), visit.colour_at(*visit.bay_point())


def test_clicking_a_bay_shows_its_rules_day_and_availability(visit, server):
    open_map(visit, server)
    visit.page.mouse.click(*visit.bay_point())
    rules = visit.page.locator("#bay-rules")
    rules.wait_for(timeout=15_000)
    assert "CA-B" in rules.inner_text()
    assert "09:00–18:30" in rules.inner_text()
    assert "Elizabeth Mews" in visit.page.locator("#bay-title").inner_text()
    assert visit.page.locator("#bay-status").inner_text().startswith("You may not park at 10:00")
    schedule = visit.page.locator("#bay-schedule li").all_inner_texts()
    assert [line[:11] for line in schedule] == ["00:00–09:00", "09:00–18:30", "18:30–24:00"]
    assert "not allowed" in schedule[1]
    # no sensor has ever reported for this bay
    assert visit.page.locator("#bay-availability").inner_text() == "No live reading: we do not know."
    assert visit.errors() == []


def test_moving_the_time_slider_changes_the_bays_colour(visit, server):
    open_map(visit, server)
    assert near(visit.colour_at(*visit.bay_point()), RED)
    visit.page.locator("#when-time").fill(str(19 * 60))
    assert visit.page.locator("#when-label").inner_text() == "19:00"
    visit.page.wait_for_function(
        """() => window.parkingMap.queryRenderedFeatures({layers: ["bays-line"]})
                 .some((f) => f.properties.ref === "46047061" && f.properties.can_park === true)""",
        timeout=30_000,
    )
    wait_for_map(visit.page)
    assert near(visit.colour_at(*visit.bay_point()), GREEN), visit.colour_at(*visit.bay_point())
    # and a driver with the bay's permit may park there in the morning too
    visit.page.locator("#when-time").fill(str(10 * 60))
    visit.page.locator("#permit").fill("CA-B")
    visit.page.wait_for_function(
        """() => window.parkingMap.getSource("parking").tiles[0].includes("permit=CA-B")
                 && window.parkingMap.getSource("parking").tiles[0].includes("T10%3A00")"""
    )
    wait_for_map(visit.page)
    assert visit.bay_state() is True
    assert visit.errors() == []


def test_the_council_layers_need_a_key(visit, server, loaded_db_url):
    open_map(visit, server)
    visit.page.locator("#council summary").click()
    visit.page.locator("#council-show").click()
    assert visit.page.locator("#council-status").inner_text() == "Enter a council API key first."
    visit.page.locator("#council-key").fill("pk_nobody_not-a-key")
    visit.page.locator("#council-show").click()
    status = visit.page.locator("#council-status")
    visit.page.wait_for_function("() => document.getElementById('council-status').textContent.includes('401')")
    assert status.inner_text().startswith("Usage could not be read: 401")
    assert visit.page.locator("#council-csv").is_hidden()
    # the driver's colours stay
    assert near(visit.colour_at(*visit.bay_point()), RED)
    # a key of another role is refused too
    visit.page.locator("#council-key").fill(make_key(loaded_db_url, "sensor"))
    visit.page.locator("#council-show").click()
    visit.page.wait_for_function("() => document.getElementById('council-status').textContent.includes('403')")
    assert visit.page.locator("#council-csv").is_hidden()


def make_key(db_url: str, role: str) -> str:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session, session.begin():
            return keys.create(session, role=role, name=f"map test {role}").key
    finally:
        engine.dispose()


def test_a_council_key_shows_occupancy_turnover_and_a_csv(visit, server, loaded_db_url):
    """In the hour H that began three whole hours ago, the watched bay (one space) reports every 10 minutes at most:
    a stay H:00–H:30, reports at H:10, H:20 (occupied) and H:35 (free), a stay H:40–H:50. Each event keeps the data
    online for up to 10 minutes, so the whole hour is online; occupied 30 + 10 of its 60 minutes: 66.7 %. Two
    sessions in one space: turnover 2. Before and after H no event: no data."""
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    plan = [("park_start", 0, "a"), ("scheduled_report", 10, 1), ("scheduled_report", 20, 1), ("park_end", 30, "a"),
            ("scheduled_report", 35, 0), ("park_start", 40, "b"), ("park_end", 50, "b")]  # fmt: skip
    events = []
    for kind, minute, extra in plan:
        event = {"event_id": str(uuid.uuid4()), "event_type": kind,
                 "event_time": (hour + timedelta(minutes=minute)).isoformat(),
                 "bay": {"source": "camden", "ref": "46047061"}, "event_source": "in_ground"}  # fmt: skip
        if kind == "scheduled_report":
            event["occupied"] = extra
        else:
            event["event_session_id"] = f"map-{extra}"
        events.append(event)
    posted = Request(f"{server}/v1/events", data=json.dumps(events).encode(), method="POST",
                     headers={"Authorization": f"Bearer {make_key(loaded_db_url, 'sensor')}",
                              "Content-Type": "application/json"})  # fmt: skip
    with urlopen(posted) as response:
        assert json.load(response)["counts"]["accepted"] == len(plan)
    local = hour.astimezone(ZoneInfo("Europe/London"))
    open_map(visit, server, at=f"{local.date().isoformat()}T{local.hour:02d}:00")
    visit.page.locator("#council summary").click()
    visit.page.locator("#council-key").fill(make_key(loaded_db_url, "council"))
    visit.page.locator("#council-from").fill(local.date().isoformat())
    visit.page.locator("#council-to").fill((local.date() + timedelta(days=1)).isoformat())
    visit.page.locator("#council-show").click()  # occupancy first, for the zone in the middle of the map
    visit.page.locator("#council-csv").wait_for(state="visible", timeout=60_000)
    assert visit.page.locator("#council-status").inner_text().startswith("Zone CA-B: occupancy")
    wait_for_map(visit.page)
    assert near(visit.colour_at(*visit.bay_point()), OCCUPANCY_UP_TO_70, 15), visit.colour_at(*visit.bay_point())
    # the next hour has no data: the bay turns grey
    visit.page.locator("#when-time").fill(str(((local.hour + 1) % 24) * 60))
    visit.page.wait_for_function("() => document.getElementById('council-status').textContent.includes(':00–')")
    wait_for_map(visit.page)
    assert near(visit.colour_at(*visit.bay_point()), NO_DATA, 15), visit.colour_at(*visit.bay_point())

    visit.page.locator("#council-layer").select_option("turnover")
    visit.page.locator("#council-zone").fill("CA-B")
    visit.page.locator("#council-show").click()
    visit.page.wait_for_function("() => document.getElementById('council-status').textContent.includes('Turnover')")
    wait_for_map(visit.page)
    assert near(visit.colour_at(*visit.bay_point()), TURNOVER_UP_TO_3, 15), visit.colour_at(*visit.bay_point())
    # the CSV is what the layer shows: the same request as CSV, the watched bay's two sessions
    text = visit.page.evaluate("() => fetch(document.getElementById('council-csv').href).then((r) => r.text())")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {row["zone"] for row in rows} == {"CA-B"}
    watched = [row for row in rows if row["ref"] == "46047061"]
    assert len(watched) == 1
    assert float(watched[0]["turnover"]) == 2.0
    assert int(watched[0]["total_sessions"]) == 2
    # back to the driver's colours
    visit.page.locator("#council-clear").click()
    wait_for_map(visit.page)
    assert visit.bay_state() is not None

"""Debian's chromium, headless, driven by Playwright: how the map page's tests (and the README's screenshot) open it.

The system browser, not one Playwright downloads: ``apt-get install chromium`` (``make test`` and ``.ci/run``
install it). WebGL runs on SwiftShader, the CPU renderer, so no GPU is needed; the flags keep the browser from
calling home (updates, sync, safe-browsing lists), so that every request the tests see comes from the page.

    python -m tests.map.browser URL OUT.png [LON LAT]   # a screenshot of URL, after clicking LON LAT if given
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]
VIEWPORT = {"width": 1200, "height": 800}
SCREENSHOT_VIEWPORT = {"width": 1280, "height": 1000}


@contextmanager
def chromium() -> Iterator[Browser]:
    """The system chromium, headless with software WebGL; closed at the end."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_map(page: Page, timeout_ms: int = 30_000) -> None:
    """Until the map has loaded its style and every tile in view, and drawn them."""
    page.wait_for_function(
        "() => { const m = window.parkingMap; return m && m.isStyleLoaded() && m.getSource('parking') "
        "&& m.areTilesLoaded() && !m.isMoving(); }",
        timeout=timeout_ms,
    )
    page.evaluate(
        "() => new Promise((done) => { const m = window.parkingMap; m.once('idle', done); m.triggerRepaint(); })"
    )


def screenshot(url: str, out: str, click: tuple[float, float] | None = None) -> None:
    """A picture of the page at ``url`` once drawn (after clicking the map at ``click``, a lon/lat, if given)."""
    with chromium() as browser:
        page = browser.new_page(viewport=SCREENSHOT_VIEWPORT)
        page.goto(url)
        wait_for_map(page)
        if click is not None:
            x, y = page.evaluate("(p) => { const q = window.parkingMap.project(p); return [q.x, q.y]; }", list(click))
            page.mouse.click(x, y)
            page.locator("#bay-availability, #details h2").first.wait_for()
            page.wait_for_timeout(500)
        page.screenshot(path=out)


if __name__ == "__main__":
    screenshot(sys.argv[1], sys.argv[2], (float(sys.argv[3]), float(sys.argv[4])) if len(sys.argv) > 4 else None)

"""The OpenAPI document generates a working typed client: ``openapi-python-client`` (a real generator) builds one
from ``/openapi.json`` of a live server, and the journeys a map app makes go through it.

Expected values, from the bundled file (see ``test_can_i_park_camden.py``): bay 46042958, Bedford Row, CA-D, is
"paid-for", "mon-fri 08:30-18:30, sat 08:30-13:30", "2 hours", "£5.70 (non-diesel) / £6.93 (diesel)", drawn
around (-0.11485, 51.51911). On Monday 2 March 2026 at 10:00 (GMT) a diesel car staying 2 hours may park until
12:00 (the maximum stay), the stay fits, and pays 2 × £6.93 = £13.86 until 12:00. Bay 46047061, Elizabeth Mews, is a
CA-B resident bay: with the CA-B permit nothing about it changes from one second to the next.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .support import BEDFORD_ROW, ELIZABETH_MEWS

PACKAGE = "kerbside_client"
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
AROUND_BEDFORD_ROW = "-0.1156,51.5185,-0.1141,51.5197"  # ~100 m × 130 m, the bay in the middle


@pytest.fixture(scope="module")
def spec(loaded_db_url: str, live_server: str) -> dict:
    with urllib.request.urlopen(f"{live_server}/openapi.json", timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def generated(spec: dict, tmp_path_factory):
    """The client package, generated into a temporary directory and importable while the module runs."""
    where = tmp_path_factory.mktemp("generated")
    (where / "openapi.json").write_text(json.dumps(spec))
    (where / "config.yaml").write_text("post_hooks: []\n")
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [str(generator), "generate", "--path", str(where / "openapi.json"), "--config", str(where / "config.yaml"),
         "--meta", "none", "--output-path", str(where / PACKAGE)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def client(generated, live_server: str):
    with generated.Client(base_url=live_server, raise_on_unexpected_status=True) as client:
        yield client


def module(name: str):
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_every_operation_has_a_unique_operation_id_and_a_function(spec, generated):
    ids = [op["operationId"] for ops in spec["paths"].values() for method, op in ops.items() if method != "parameters"]
    assert len(ids) == len(set(ids))
    for path, ops in spec["paths"].items():
        for op in (op for method, op in ops.items() if method != "parameters"):
            tag = op["tags"][0].replace("-", "_")
            snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in op["operationId"])
            assert hasattr(module(f"api.{tag}.{snake}"), "sync_detailed"), path


def test_the_document_has_no_anyof_wrappers_nor_unused_error_schema(spec):
    text = json.dumps(spec)
    assert "anyOf" not in text
    assert "Error" not in spec["components"]["schemas"]
    assert "PaginationMetadata" not in spec["components"]["schemas"]
    assert "404" not in spec["paths"]["/v1/bays"]["get"]["responses"]  # a list is never "not found"
    assert "404" in spec["paths"]["/v1/bays/{source}/{ref}"]["get"]["responses"]
    assert "304" not in spec["paths"]["/v1/events"]["post"]["responses"]
    bays = spec["paths"]["/v1/bays"]["get"]
    assert set(bays["responses"]["200"]["headers"]) == {"ETag", "Cache-Control"}
    assert {"in": "header", "name": "If-None-Match"}.items() <= next(
        p for p in bays["parameters"] if p.get("name") == "If-None-Match"
    ).items()


def test_a_map_app_journey(generated, client):
    get_bays = module("api.bays.get_bays")
    get_can_i_park = module("api.can_i_park.get_can_i_park")
    models = module("models")

    # 1. the bays in the viewport, with prices for a 2-hour stay, as a slim layer
    wanted = ["can_park", "until", "stay_ok", "payment"]
    found = get_bays.sync_detailed(
        client=client,
        bbox=AROUND_BEDFORD_ROW,
        at=MONDAY_10,
        fuel=models.GetBaysFuel.DIESEL,
        stay=120,
        properties=[models.GetBaysPropertiesItem(name) for name in wanted],
    )
    assert found.status_code == 200
    page = found.parsed
    assert isinstance(page, models.BaysResponse)
    assert page.coverage == models.BaysResponseCoverage.INSIDE
    bay = next(f for f in page.features if f.id == "camden/46042958")
    assert isinstance(bay.geometry, models.LineStringGeometry)
    assert bay.properties.can_park is True
    assert bay.properties.until == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert bay.properties.stay_ok is True
    assert bay.properties.payment.price.amount == "13.86"
    assert {t.fuel for t in bay.properties.payment.tariffs} == {models.TariffFuel.NON_DIESEL, models.TariffFuel.DIESEL}
    assert set(bay.properties.additional_properties) == set()  # nothing outside the schema came back

    # 2. can I park at it?
    asked = {"lat": BEDFORD_ROW.lat, "lon": BEDFORD_ROW.lon, "at": MONDAY_10, "stay": 120}
    answer = get_can_i_park.sync_detailed(client=client, fuel=models.GetCanIParkFuel.DIESEL, **asked).parsed
    assert answer.basis == models.CanIParkResponseBasis.BAY
    assert answer.bay.ref == "46042958"
    assert answer.can_park is True
    assert answer.until == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert answer.payment.price.amount == "13.86"

    # 3. poll "now" with If-None-Match: 304 while the answer holds
    polled = {"lat": ELIZABETH_MEWS.lat, "lon": ELIZABETH_MEWS.lon, "permit": ["CA-B"]}
    first = get_can_i_park.sync_detailed(client=client, **polled)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    time.sleep(1.1)  # a second later: the body's `at` has moved on, the answer has not
    again = get_can_i_park.sync_detailed(client=client, if_none_match=etag, **polled)
    assert again.status_code == 304
    assert again.parsed is None

    # 4. the reason in French, with the same code for programs
    english = get_can_i_park.sync_detailed(client=client, fuel=models.GetCanIParkFuel.DIESEL, **asked)
    french = get_can_i_park.sync_detailed(client=client, fuel=models.GetCanIParkFuel.DIESEL, lang="fr", **asked)
    assert french.headers["Content-Language"] == "fr"
    assert french.parsed.reason_code == english.parsed.reason_code == models.CanIParkResponseReasonCode.PAID
    assert french.parsed.reason != english.parsed.reason
    assert "12:00" in french.parsed.reason or "12 h" in french.parsed.reason


def test_the_enums_hold_every_value_the_loaders_can_produce():
    """A generated client refuses a value outside an enum, so each enum must hold all the loaders can write."""
    from loaders.curblr.vocabulary import CATEGORY_BY_CLASS
    from parking_api.api.v1.vocabulary import CATEGORIES, TARIFF_FUELS
    from parking_api.engine.camden import CAMDEN_BAY_TYPE_ROWS
    from parking_api.engine.parse import _FUEL_RES

    camden = {row.category for row in CAMDEN_BAY_TYPE_ROWS} | {"zone_default"}
    curblr = {name for _cls, name in CATEGORY_BY_CLASS} | {"no_stopping", "no_parking", "no_loading", "restricted"}
    assert camden | curblr <= set(CATEGORIES)
    assert {label for label, _regex in _FUEL_RES} | {"any"} == set(TARIFF_FUELS)

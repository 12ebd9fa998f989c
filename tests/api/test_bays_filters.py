"""``/v1/bays`` as a map asks: by viewport (``bbox``), by category, by the driver's status, page by page.

Bay 46047061 (Elizabeth Mews, CA-B) is a resident bay: Mon-Fri 09:00-18:30, permit CA-B; its kerb line runs from
(-0.1620474, 51.5463473) to (-0.1621201, 51.5464020). On Monday 2 March 2026 at 10:00 a driver without a permit may
not park there; with the CA-B permit they may.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

MONDAY_10 = "2026-03-02T10:00:00Z"
AROUND_ELIZABETH_MEWS = "-0.1640,51.5450,-0.1600,51.5475"  # ~0.28 km × 0.28 km, the bay in the middle
WIDER = "-0.1700,51.5420,-0.1540,51.5510"  # ~1.1 km × 1 km around it


def features(api, **query):
    response = api.get("/v1/bays", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_viewport_lists_the_bays_in_it_nearest_its_centre_first(api):
    body = features(api, bbox=AROUND_ELIZABETH_MEWS, limit=500)
    refs = [f["properties"]["ref"] for f in body["features"]]
    assert "46047061" in refs
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert distances == sorted(distances)
    # the box is ~280 m across: nothing is further from its centre than the half-diagonal plus a bay's length
    assert max(distances) < 200 + 50
    assert body["numberMatched"] == len(refs)


def test_a_viewport_far_from_any_data_is_empty(api):
    assert features(api, bbox="2.33,48.85,2.35,48.86")["features"] == []


@pytest.mark.parametrize(
    ("query", "blamed"),
    [
        ({"bbox": AROUND_ELIZABETH_MEWS, "lat": 51.54, "lon": -0.16}, "bbox"),
        ({}, "lat"),
        ({"lat": 51.54}, "lon"),
        ({"bbox": "-0.20,51.50,-0.10,51.56"}, "bbox"),  # ~46 km²
        ({"bbox": "-0.16,51.54,-0.17,51.55"}, "bbox"),  # min > max
        ({"bbox": "-0.16,51.54,-0.15"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"lat": 51.54, "lon": -0.16, "category": "Paid!"}, "category"),
    ],
)
def test_a_bad_viewport_or_filter_is_a_400_naming_it(api, query, blamed):
    response = api.get("/v1/bays", query_string=query)
    assert response.status_code == 400
    assert blamed in [p["name"] for p in response.get_json()["invalid_params"]]


def test_category_filters_a_comma_separated_list(api):
    body = features(api, bbox=WIDER, limit=500)
    everything = {f["properties"]["category"] for f in body["features"]}
    assert len(everything) >= 2, everything
    wanted = sorted(everything)[:2]
    some = features(api, bbox=WIDER, category=",".join(wanted), limit=500)
    assert {f["properties"]["category"] for f in some["features"]} == set(wanted)
    assert some["numberMatched"] == sum(1 for f in body["features"] if f["properties"]["category"] in wanted)


def test_can_park_filters_by_the_drivers_answer(api):
    near = {"bbox": AROUND_ELIZABETH_MEWS, "at": MONDAY_10, "limit": 500}
    allowed = features(api, **near, can_park="true")
    refused = features(api, **near, can_park="false")
    assert "46047061" not in [f["properties"]["ref"] for f in allowed["features"]]
    assert "46047061" in [f["properties"]["ref"] for f in refused["features"]]
    assert all(f["properties"]["can_park"] for f in allowed["features"])
    assert not any(f["properties"]["can_park"] for f in refused["features"])
    assert allowed["numberMatched"] + refused["numberMatched"] == features(api, **near)["numberMatched"]
    with_permit = features(api, **near, can_park="true", permit="CA-B")
    assert "46047061" in [f["properties"]["ref"] for f in with_permit["features"]]


def test_pages_link_to_the_next_until_the_last(api):
    query = {"bbox": AROUND_ELIZABETH_MEWS, "limit": 3}
    first = features(api, **query)
    assert first["numberMatched"] > 3
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert "self" in rels and "next" in rels
    # each link names the media type its page is served as (a GeoJSON FeatureCollection)
    served = api.get(f"/v1/bays?bbox={AROUND_ELIZABETH_MEWS}&limit=3").mimetype
    assert served == "application/geo+json"
    assert {link["type"] for link in first["links"]} == {served}
    seen = [f["id"] for f in first["features"]]
    href = rels["next"]
    while href:
        parts = urlsplit(href)
        page = api.get(f"{parts.path}?{parts.query}").get_json()
        seen.extend(f["id"] for f in page["features"])
        href = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == first["numberMatched"]

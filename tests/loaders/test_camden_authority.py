"""The green-badge area is configuration, applied when Camden's rules are built at load time."""

from __future__ import annotations

from loaders import _camden
from loaders.base import LoadOptions
from parking_api.engine.camden import build_bay_regulation
from parking_api.engine.model import UserClass
from parking_api.settings import Settings


def _concession_classes(zone: str, monkeypatch, configured: str | None) -> set[UserClass]:
    if configured is None:
        monkeypatch.delenv("PARKING_GREEN_BADGE_ZONES", raising=False)
    else:
        monkeypatch.setenv("PARKING_GREEN_BADGE_ZONES", configured)
    settings = Settings.from_environment()  # as `parking load` reads them, once, and passes them to the loaders
    authority = _camden.authority(LoadOptions(source="camden", green_badge_zones=settings.green_badge_zones))
    regulation = build_bay_regulation(
        "resident permit holders only", "mon-fri 08:30-18:30", "N/A", "N/A", zone, zone, authority
    )
    return {c for rule in regulation.rules if rule.priority == 10 for c in rule.user_classes}


def test_default_green_badge_area_is_ca_c_d_e(monkeypatch):
    # a residents' bay admits blue badges in CA-B, but only green badges in CA-D (the green-badge area)
    assert _concession_classes("CA-B", monkeypatch, None) == {UserClass.BLUE_BADGE}
    assert _concession_classes("CA-D", monkeypatch, None) == {UserClass.GREEN_BADGE}


def test_configured_green_badge_area_is_used_when_building_rules(monkeypatch):
    assert _concession_classes("CA-B", monkeypatch, "ca_b") == {UserClass.GREEN_BADGE}
    assert _concession_classes("CA-D", monkeypatch, "CA-B") == {UserClass.BLUE_BADGE}

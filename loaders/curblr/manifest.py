"""What a CurbLR manifest says: who published the feed, under which licence, in which time zone and currency, and
how its priority names rank; with the command line's options, the context every regulation is read in."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loaders.base import LoadOptions, UsageError
from loaders.checks import check_holidays, check_timezone
from parking_api.store.records import SourceMeta

from .vocabulary import lower_keys, words

# Who published what, where the manifest says nothing about licence (see the feeds' provenance notes).
KNOWN_AUTHORITIES: dict[str, tuple[str, str]] = {
    "portland bureau of transportation": ("", "Portland Bureau of Transportation; CurbLR conversion by SharedStreets"),
    "center city district philadelphia": ("", "Center City District Philadelphia; CurbLR survey by SharedStreets"),
    "city of austin": ("", "City of Austin; CurbLR conversion by SharedStreets"),
    "ville de montréal": ("CC BY 4.0", "Ville de Montréal (open data, CC BY 4.0)"),
}
_MONTREAL_SOURCE = re.compile(r"montr[eé]al|\bmtl\b|^mtl", re.IGNORECASE)


@dataclass
class FeedContext:
    """What every regulation of one feed is read with: the manifest's priority ranks (name → 0-based position,
    highest first) and currency, whether end times are inclusive, whether a holiday calendar answers holiday names,
    and the flags counted while reading."""

    hierarchy: dict[str, int]
    currency: str
    inclusive_ends: bool
    has_calendar: bool
    flags: Counter[str]


def feed_context(manifest: dict[str, Any], meta: SourceMeta, options: LoadOptions, flags: Counter[str]) -> FeedContext:
    hierarchy: dict[str, int] = {}
    raw_hierarchy = manifest.get("priorityhierarchy")
    if isinstance(raw_hierarchy, list):
        for index, name in enumerate(raw_hierarchy):
            hierarchy.setdefault(words(name), index)
    return FeedContext(
        hierarchy=hierarchy,
        currency=str(manifest.get("currency") or "").strip().upper(),
        inclusive_ends=options.inclusive_ends,
        has_calendar=bool(meta.holidays),
        flags=flags,
    )


def source_meta(manifest: dict[str, Any], options: LoadOptions, flags: Counter[str]) -> SourceMeta:
    """The ``sources`` row: the feed's publisher, licence and time zone (``--timezone`` overrides the manifest's)."""
    tz = _timezone(manifest, options, flags)
    authority = lower_keys(manifest.get("authority"))
    publisher = str(authority.get("name") or "").strip()
    licence = str(manifest.get("license") or manifest.get("licence") or "").strip()
    attribution = str(manifest.get("attribution") or "").strip()
    known = KNOWN_AUTHORITIES.get(publisher.lower())
    if known is None and not publisher and _MONTREAL_SOURCE.search(options.source or ""):
        publisher = "Ville de Montréal"
        known = KNOWN_AUTHORITIES["ville de montréal"]
    if known:
        licence = licence or known[0]
        attribution = attribution or known[1]
    return SourceMeta(
        publisher=publisher,
        licence=licence,
        attribution=attribution,
        url=str(authority.get("url") or "").strip(),
        timezone=tz,
        holidays=check_holidays(options.holidays),
        published_at=_published_at(manifest, tz),
    )


def _timezone(manifest: dict[str, Any], options: LoadOptions, flags: Counter[str]) -> str:
    option_tz = check_timezone(options.timezone.strip(), "--timezone") if options.timezone else None
    tz = manifest.get("timezone")
    if isinstance(tz, str) and tz.strip():
        try:
            ZoneInfo(tz.strip())
            tz = tz.strip()
        except (ZoneInfoNotFoundError, ValueError):
            flags["curblr_manifest_timezone_invalid"] += 1
            tz = None
    else:
        tz = None
    if option_tz:
        if tz and tz != option_tz:
            flags["curblr_manifest_timezone_overridden"] += 1  # --timezone overrides the feed's own
        return option_tz
    if tz is None:
        raise UsageError(
            "the CurbLR manifest has no (valid) timeZone: give the feed's time zone with --timezone "
            "(e.g. --timezone America/Toronto)"
        )
    return tz


def _published_at(manifest: dict[str, Any], tz: str) -> datetime | None:
    for key in ("lastupdateddate", "createddate"):
        value = manifest.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=ZoneInfo(tz))
    return None

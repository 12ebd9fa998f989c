"""The drivers' availability forecast, precomputed: each bay's share of online time with a space free, per local
hour of the week over the last 8 weeks (README "Availability forecast"). Driver answers read it in their own one
statement (``store/reads.py``); this recomputes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from parking_api.services.authorities import DEFAULT_TIMEZONE
from parking_api.settings import Settings
from parking_api.store import usage as store


def refresh(session: Session, settings: Settings, *, now: datetime, tz: str = DEFAULT_TIMEZONE) -> int:
    """Recompute every bay's forecast from the 8 weeks before the hour of ``now``; returns the rows written."""
    return store.refresh_forecasts(session, now=now, stale=settings.stale_after, tz=tz)

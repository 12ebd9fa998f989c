"""Which answer speaks for a point when several places cover it: claim priority, then restrictiveness."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from parking_api.engine.evaluate import Answer
from parking_api.services.context import Evaluated

_NO_CLAIM = float("inf")


def restrictiveness(answer: Answer) -> tuple:
    """Sort key: smaller is more restrictive (not allowed first, latest allowed_from; then earliest until)."""
    far = datetime.max.replace(tzinfo=UTC)
    if not answer.can_park:
        allowed_from = answer.allowed_from
        return (0, -(allowed_from or far).timestamp(), 0, 0, 0)
    until = answer.until or far
    return (
        1,
        until.timestamp(),
        0 if answer.payment_required_now else 1,
        answer.max_stay if answer.max_stay is not None else 10**9,
        0 if answer.stay_ok is False else 1,
    )


def claim_priority(answer: Answer) -> float:
    """How strongly a place's answer claims the point, for places covering it equally (lower wins, as rule
    priorities do): the winning rule's priority (a suspension's is 0); when rules are in effect but none is for this
    driver, the implied prohibition of the highest-precedence rule in effect (CurbLR: a positive rule for some
    classes prohibits everyone else); no rule in effect makes no claim."""
    won = [entry.priority for entry in answer.trace if entry.won]
    if won:
        return min(won)
    in_effect = [entry.priority for entry in answer.trace if entry.in_effect]
    return min(in_effect) if in_effect else _NO_CLAIM


def choose(answers: Sequence[Evaluated]) -> Evaluated:
    """Among places covering the point equally: the strongest claim by priority, then the most restrictive answer
    (not allowed beats allowed, later ``allowed_from`` beats earlier; earlier ``until`` beats later), then the
    nearest, then by source and ref (deterministic)."""
    return min(
        answers,
        key=lambda item: (
            claim_priority(item.answer),
            restrictiveness(item.answer),
            float(item.row.get("distance_m") or 0.0),
            item.row["source"],
            str(item.row["ref"]),
        ),
    )


def most_restrictive_zone(answers: Sequence[Evaluated]) -> Evaluated:
    """Among zone polygons containing the point: the most restrictive hours, then by ref (deterministic)."""
    return min(answers, key=lambda item: (restrictiveness(item.answer), item.row["ref"]))

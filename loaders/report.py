"""What a load did, as data (:class:`LoadReport`, also the ``--json`` output) and as the text report people read."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ShrinkCheck:
    """How much of the source's live data a bay or zone load retires, against the limit (the ``shrink`` of the
    report): a truncated export must not retire most of a borough."""

    live_before: int  # live rows of the source and kind before the load
    would_retire: int
    share_percent: float  # would_retire / live_before, rounded to 0.1 %
    limit_percent: float  # --max-shrink, else PARKING_MAX_SHRINK_PERCENT
    allow_shrink: bool  # --allow-shrink: no limit for this run
    refused: bool  # the load was refused (error shrink_refused: …); nothing changed


@dataclass
class LoadReport:
    """What a load did. ``read == loaded + rejected`` always holds."""

    run_id: int | None
    status: str  # "succeeded", "failed" or "dry_run"
    source: str
    kind: str
    location: str
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    retired: int = 0
    kept_previous: int = 0  # live rows kept at their previous version, not retired, because their row was rejected
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    flagged_by_reason: dict[str, int] = field(default_factory=dict)
    rejected_regulations: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    error: str | None = None
    # the most common sign-text phrases the converter could not read (the rows are counted in flagged_by_reason:
    # mapped_sign_unread), and, on a dry run, each bay type's rules in words with how many rows have them
    unread_phrases: dict[str, int] = field(default_factory=dict)
    rules_by_type: dict[str, dict[str, Any]] = field(default_factory=dict)
    shrink: ShrinkCheck | None = None  # bay and zone loads only
    # an identical reload: the run whose file, options and rule settings were the same; nothing was staged or written
    identical_to_run: int | None = None
    elapsed_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase: convert, stage, swap, commit

    @property
    def ok(self) -> bool:
        return self.error is None and self.status in ("succeeded", "dry_run")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["dry_run"] = self.status == "dry_run"
        out["flagged"] = sum(self.flagged_by_reason.values())
        out["rows_per_s"] = round(self.read / self.elapsed_s, 1) if self.elapsed_s > 0 else None
        return out


def reason_key(reason: str) -> str:
    """The category of a reject reason, for counting: quoted values and everything after the first colon dropped.

    ``cannot read maximum stay 'x': not a duration`` → ``cannot read maximum stay``.
    """
    text = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "", reason)
    text = text.split(":", 1)[0]
    return re.sub(r"\s+", " ", text).strip() or reason.strip()


def format_report(report: LoadReport) -> str:
    """The human-readable load report."""
    lines = [
        f"{report.kind} {report.location}",
        f"  source {report.source}, run {report.run_id}: {report.status}"
        + (f" ({report.error})" if report.error else ""),
        *(
            [f"  identical to run {report.identical_to_run}: the same file and settings, nothing written again"]
            if report.identical_to_run is not None
            else []
        ),
        f"  read      {report.read:>9,}",
        f"  loaded    {report.loaded:>9,}"
        + (
            f"  (new {report.inserted:,}, changed {report.updated:,}, unchanged {report.unchanged:,})"
            if report.inserted or report.updated or report.unchanged
            else ""
        ),
        f"  rejected  {report.rejected:>9,}",
    ]
    for reason, n in sorted(report.rejected_by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {n:>7,}  {reason}")
    if report.rejected_regulations:
        lines.append(f"  rejected regulations of loaded rows {report.rejected_regulations:,}")
    lines.append(f"  flagged   {sum(report.flagged_by_reason.values()):>9,}")
    for reason, n in sorted(report.flagged_by_reason.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {n:>7,}  {reason}")
    if report.unread_phrases:
        lines.append("  unread sign words (most common first)")
        for phrase, n in report.unread_phrases.items():
            lines.append(f"    {n:>7,}  {phrase!r}")
    for name, seen in report.rules_by_type.items():
        lines.append(f"  type {name!r}")
        for entry in seen["rule_sets"]:
            lines.append(f"    {entry['rows']:>7,}  {entry['rules'] or 'no rules'}")
        for phrase, n in seen["unread_phrases"].items():
            lines.append(f"    {n:>7,}  unread: {phrase!r}")
    lines.append(f"  retired   {report.retired:>9,}")
    if report.kept_previous:
        lines.append(_count("kept previous", report.kept_previous) + "  (rejected rows whose live version stays)")
    shrink = report.shrink
    if shrink is not None and shrink.live_before:
        limit = "no limit: --allow-shrink" if shrink.allow_shrink else f"limit {shrink.limit_percent:.1f} %"
        lines.append(_count("live before", shrink.live_before))
        lines.append(
            _count("would retire", shrink.would_retire)
            + f"  ({shrink.share_percent:.1f} %; {limit})"
            + (": refused, nothing changed" if shrink.refused else "")
        )
    if report.elapsed_s:
        lines.append(f"  time      {report.elapsed_s:>9.1f} s")
    if report.run_id is not None and (report.rejected or report.rejected_regulations):
        lines.append(f"  see the rejects with: parking load rejects {report.run_id}")
    return "\n".join(lines)


def _count(label: str, n: int) -> str:
    """A report line whose number lines up with the others (``read``, ``loaded``, …)."""
    return f"  {label} {n:>{max(18 - len(label), 1)},}"

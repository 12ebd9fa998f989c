"""CurbLR feeds (1.0 and 1.1, as real publishers write them) → the canonical kerbside model.

Entry point: :func:`convert` ``(path, options) -> Converted``. A CurbLR file is a GeoJSON ``FeatureCollection`` with a
``manifest``; each feature is a stretch of kerb (``properties.location``: SharedStreets reference, side, start and end
in metres) carrying ``properties.regulations[]``, each a ``rule`` with ``userClasses``, ``timeSpans``, ``payment`` and a
priority.

Mapping decisions (the spec is silent or real feeds disagree with it):

Places
    One place per kerb stretch: ``ref = "{shstRefId}:{sideOfStreet}:{start}-{end}"`` with the numbers exactly as the
    file writes them (``4.9`` stays ``4.9``, ``73`` stays ``73``). Features that describe the same stretch (Portland's
    sign, fence and meter features; Montréal's several signs per kerb) become ONE place whose rules are the union of
    their regulations, ranked by priority; identical rules are kept once. The place keeps the first feature's row
    number and geometry and lists every feature in ``attributes["source_rows"]``. A point location (``shstLocation``)
    gives ``"{shstRefId}:{sideOfStreet}:{at}"``.

Priority — one integer scale for every placement, lower wins (as in the model):
    the 0-based position in the manifest's ``priorityHierarchy`` (ordered highest first). A CurbLR 1.0 number ``n``
    (1 = critical … 4 = normal) becomes ``n - 1``, so 1.0 level 1 and the top of any hierarchy are both 0, and
    Montréal's hierarchy ``["1", …, "5", "free parking"]`` lines up with its integer ``priorityCategory`` values.
    The value is taken from, in order: ``rule.priorityCategory``, ``regulation.priorityCategory``, ``rule.priority``,
    ``regulation.priority``. Text is matched against the hierarchy case-insensitively; text that is not in the
    hierarchy but is a number, and any integer that is not in the hierarchy as text, is read as a 1.0 level. A name
    in neither ranks just below the whole hierarchy (flag ``curblr_priority_unknown``); a regulation without any
    priority ranks there too (1.0 feeds without a hierarchy: level 4 "normal" = 3; flag ``curblr_priority_missing``).

Activities
    ``parking`` → park; ``no parking`` → no_parking; ``loading`` → load; ``no loading`` → no_loading;
    ``standing`` (an attended stop) and ``stopping`` → load, i.e. a brief stop that is not parking, so a standing zone
    still bars parking; ``no standing`` and ``no stopping`` → no_stopping (no attended or unattended stop at all, which
    is how Portland and Montréal use it).

User classes
    ``classes`` (list or string) or Philadelphia's ``class``; ``subclasses`` qualify them. ``[]``, ``[{}]`` or no
    ``userClasses`` mean everyone. See ``vocabulary.USER_CLASS_WORDS`` for the vocabulary; permit subclasses become
    permit tokens; unknown names map to ``other`` and stay in the rule's label. ``passenger`` (passenger loading) is
    open to every driver, so it maps to ``everyone``.

Time spans
    ``daysOfWeek.days`` (``mo``…``su``, any case, full names accepted); ``days: []`` rejects the regulation (it could
    never apply); ``occurrencesInMonth`` and ``daysOfMonth`` cannot be expressed and reject the regulation.
    ``timesOfDay`` ``from`` and ``to`` (or the spec's ``until``), ``H:MM`` or ``HH:MM``: ends are exclusive as the
    spec says; an end of ``23:59`` or ``24:00`` or ``00:00`` is the end of the day, a start of ``24:00`` is midnight,
    ``00:00-00:00`` is the whole day. With ``inclusive_ends`` (Philadelphia writes ``0:00-7:59``) every other end
    moves one minute later (``7:59`` → 08:00); without it, ends at ``:59`` are flagged ``curblr_end_at_59_minutes``.
    ``effectiveDates`` ``MM-DD`` (or ``MMDD``) ranges become yearly ranges (they may wrap over New Year;
    ``01-01``→``12-31`` is dropped as always true); full ``YYYY-MM-DD`` ranges become ``date_from``/``date_to``
    (one time span per full range, since a span holds one). ``designatedPeriods`` are kept by name as given, with
    ``apply`` ``only during``/``except during`` (``only_during`` too) → ``only``/``except``; the holiday names are
    answered by the source's ``--holidays`` calendar (flag ``curblr_holidays_without_calendar`` when none is given).
    Empty ``timeSpans``/``timesOfDay``/``effectiveDates``/``designatedPeriods`` arrays mean "not given".

Payment
    ``rule.payment``, or ``payment: true`` beside the rule, or any positive fee makes the rule paid. The hourly
    tariff comes from the first usable ``rates[].fees[i]``/``durations[i]`` pair (fee × 60 / minutes) in the
    manifest's currency, fuel ``any``; tiers with other hourly prices flag ``curblr_rate_tiered``; fees and
    durations of different lengths (Montréal writes ``fees [1.5]``, ``durations [120, 0, 0]``) flag
    ``curblr_rate_shape`` and are read pairwise, ignoring zero durations. The pre-1.0 ``minRate``
    (``minAmount``/``minInterval``) is read too.

Rejects
    ``read`` counts features. A feature whose regulations are partly bad keeps the good ones and reports each bad one
    in ``rejected_regulations``; a feature with no good regulation (or no usable location or geometry) is a reject.

Inside: ``vocabulary.py`` (CurbLR's words → ours), ``manifest.py`` (source metadata and the context of a feed),
``timespans.py``, ``regulations.py`` (one regulation → one rule: classes, payment, priority), ``summary.py`` (categories
and description) and ``convert.py`` (features → places).
"""

from .convert import convert, convert_document

__all__ = ["convert", "convert_document"]

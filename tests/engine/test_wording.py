"""Rules in words: one wording for reasons, API texts and generated labels, built from phrase codes."""

from __future__ import annotations

from parking_api.engine.english import ENGLISH
from parking_api.engine.model import Activity, Rule, UserClass
from parking_api.engine.parse import parse_times
from parking_api.engine.wording import Phrase, days, duration, phrase, rule_text, say, spans


def test_formatting_for_drivers() -> None:
    assert say(spans(parse_times("mon-fri 08:30-18:30, sat 09:30-13:30"))) == "Mon–Fri 08:30–18:30, Sat 09:30–13:30"
    assert say(spans(parse_times("at any time"))) == "at any time"
    assert say(days(frozenset({5, 6, 0}))) == "Sat–Mon"
    assert say(days(frozenset({0, 2, 4}))) == "Mon, Wed, Fri"
    assert say(duration(90)) == "1 hour 30 minutes"
    assert say(duration(120)) == "2 hours"


def test_a_shared_bank_holiday_clause_is_said_once() -> None:
    times = parse_times("mon-fri 08:30-18:30, sat 09:30-13:30 except bank holidays")
    assert say(spans(times)) == "Mon–Fri 08:30–18:30, Sat 09:30–13:30, except bank holidays"
    assert say(spans(times, holidays=False)) == "Mon–Fri 08:30–18:30, Sat 09:30–13:30"


def test_a_rule_in_one_line() -> None:
    rule = Rule(Activity.PARK, user_classes=frozenset({UserClass.PERMIT}), permits=frozenset({"CA-C", "CA-B"}),
                time_spans=parse_times("mon-fri 09:00-18:30"), max_stay=90)  # fmt: skip
    assert say(rule_text(rule)) == (
        "Permit holders (CA-B or CA-C) may park, Mon–Fri 09:00–18:30, max stay 1 hour 30 minutes"
    )
    assert say(rule_text(Rule(Activity.NO_STOPPING))) == "No stopping, at any time"


def test_another_catalogue_says_the_same_phrase_differently() -> None:
    words = phrase("reason.stay_until", when=phrase("clock", hour=8, minute=5))
    assert say(words) == "You may stay until 08:05."
    assert say(words, {**ENGLISH, "reason.stay_until": "Vous pouvez rester jusqu’à {when}."}) == (
        "Vous pouvez rester jusqu’à 08:05."
    )
    assert hash(words) == hash(Phrase(words.code, dict(words.params)))

"""Reason codes and their parameters from the pure evaluator, the article before a permit, and French words."""

from __future__ import annotations

from datetime import datetime

from parking_api.engine.evaluate import evaluate
from parking_api.engine.model import Activity, Authority, Driver, Place, Regulation, Rule, UserClass
from parking_api.engine.parse import parse_times
from parking_api.engine.reasons import REASON_CODES
from parking_api.engine.wording import need, say, takes_an
from parking_api.locales import catalogue

LONDON = Authority(name="test")


def _place(*rules: Rule) -> Place:
    return Place(source="t", ref="1", kind="bay", regulation=Regulation(rules=rules))


def _permit_rule(permit: str) -> Rule:
    return Rule(Activity.PARK, user_classes=frozenset({UserClass.PERMIT}), permits=frozenset({permit}),
                time_spans=parse_times("at any time"))  # fmt: skip


def test_the_article_before_a_permit_code():
    # letters said one by one take "an" when the letter's name starts with a vowel sound; words by their first vowel
    assert [takes_an(c) for c in ("ICE", "S1", "NHS", "RBKC", "M", "8A")] == [True] * 6
    assert [takes_an(c) for c in ("CA-B", "BUSA", "HOTEL", "UNI", "TRADER", "CPZ")] == [False] * 6
    assert say(need(_permit_rule("ICE"), frozenset({"ICE"}))) == "an ICE permit"
    assert say(need(_permit_rule("CA-B"), frozenset({"CA-B"}))) == "a CA-B permit"


def test_codes_of_a_pay_and_display_bay_through_a_day():
    paid = Rule(Activity.PARK, user_classes=frozenset({UserClass.EVERYONE}), payment=True, max_stay=120,
                time_spans=parse_times("mon-fri 08:30-18:30"))  # fmt: skip
    place = _place(paid)
    car = Driver()
    # Wed 4 Mar 2026 19:00 GMT: free now, pay from Thu 08:30, leave by Thu 10:30
    evening = evaluate(place, car, datetime.fromisoformat("2026-03-04T19:00:00+00:00"), LONDON)
    assert evening.reason_code == "unrestricted"
    assert evening.reason == "No restriction applies here now. Pay from Thu 08:30 to stay until Thu 10:30."
    assert evening.reason_params["pay_from"].isoformat() == "2026-03-05T08:30:00+00:00"
    assert say(evening.reason_words, catalogue("fr")) == (
        "Aucune restriction ne s'applique ici en ce moment. Payez à partir de jeu 8 h 30 pour rester jusqu'à "
        "jeu 10 h 30."
    )
    # Wed 10:00: the paid period ends at 18:30, the 2 hours at 12:00: no payment restarts before leaving
    morning = evaluate(place, car, datetime.fromisoformat("2026-03-04T10:00:00+00:00"), LONDON)
    assert morning.reason_code == "paid"
    assert morning.reason == "Paid parking until 18:30, max stay 2 hours. You may stay until 12:00."
    assert morning.pay_from is None
    assert dict(morning.reason_params) == {
        "pay_until": datetime.fromisoformat("2026-03-04T18:30:00+00:00"),
        "max_stay": 120,
        "until": datetime.fromisoformat("2026-03-04T12:00:00+00:00"),
    }
    assert {morning.reason_code, evening.reason_code} <= set(REASON_CODES)


def test_a_permit_bay_needs_the_permit():
    answer = evaluate(_place(_permit_rule("ICE")), Driver(), datetime.fromisoformat("2026-03-04T10:00+00:00"), LONDON)
    assert answer.reason_code == "needs"
    assert dict(answer.reason_params) == {"rule": "park: permit (ICE)", "needs": ["permit"], "permits": ["ICE"]}

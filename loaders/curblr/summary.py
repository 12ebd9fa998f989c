"""A place's regulation at a glance: a category for each rule and for the whole, and a description in words."""

from __future__ import annotations

from collections import Counter

from parking_api.engine.model import Activity, Rule, UserClass
from parking_api.engine.wording import labelled_rule_text, say

from .vocabulary import CATEGORY_BY_CLASS

DESCRIPTION_LIMIT = 1000


def rule_category(rule: Rule) -> str:
    """A canonical class for one rule: no_stopping, no_parking, no_loading, loading, paid, free, or the class."""
    if rule.activity is Activity.NO_STOPPING:
        return "no_stopping"
    if rule.activity is Activity.NO_PARKING:
        return "no_parking"
    if rule.activity is Activity.NO_LOADING:
        return "no_loading"
    for cls, name in CATEGORY_BY_CLASS:
        if cls in rule.user_classes:
            return "loading" if rule.activity is Activity.LOAD and cls is UserClass.GOODS else name
    if UserClass.OTHER in rule.user_classes:
        return "restricted"
    if rule.activity is Activity.LOAD:
        return "loading"
    return "paid" if rule.payment else "free"


def regulation_category(rules: tuple[Rule, ...]) -> str:
    """The most common rule category; ties go to the category of the winning (lowest-priority-number) rule."""
    if not rules:
        return ""
    counts = Counter(rule_category(r) for r in rules)
    best = max(counts.values())
    for rule in sorted(rules, key=lambda r: r.priority):
        if counts[rule_category(rule)] == best:
            return rule_category(rule)
    return ""  # pragma: no cover


def describe(rules: tuple[Rule, ...]) -> str:
    text = "; ".join(say(labelled_rule_text(r)) for r in rules)
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"

"""One CurbLR regulation → one rule: its activity, who it is for, when, how long, what it costs and how it ranks.

A bad regulation raises :class:`~loaders.base.RowError` naming the field (``regulations[1].timeSpans[0].days``), so a
feature keeps its good regulations and reports the bad one."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from loaders.base import RowError
from loaders.files import number_text
from parking_api.engine.model import Rule, Tariff, UserClass, normalise_permit

from .manifest import FeedContext
from .timespans import time_spans
from .vocabulary import (
    ACTIVITY_WORDS,
    DIMENSION_KEYS,
    RAIL_SUBCLASSES,
    USER_CLASS_WORDS,
    as_list,
    lower_keys,
    words,
)


def regulation(raw: Any, where: str, ctx: FeedContext) -> tuple[Rule, str]:
    """The rule of one regulation (``where`` is its key path, ``regulations[i]``) and the name it shows in the place's
    restriction type: the priority category when it is a name, otherwise the activity as published."""
    reg = lower_keys(raw)
    if not isinstance(raw, dict):
        raise RowError("a regulation must be an object", where)
    rule = lower_keys(reg.get("rule"))
    if not rule:
        raise RowError("the regulation has no rule (no activity to apply)", f"{where}.rule")
    activity_raw = rule.get("activity")
    activity = ACTIVITY_WORDS.get(words(activity_raw)) if isinstance(activity_raw, str) else None
    if activity is None:
        raise RowError(
            f"activity {activity_raw!r} is not parking, standing, loading or their 'no' forms", f"{where}.rule.activity"
        )
    rank, rank_name = priority(reg, rule, where, ctx)
    classes, permits, who = user_classes(reg.get("userclasses"), f"{where}.userClasses", ctx)
    spans = time_spans(reg.get("timespans"), f"{where}.timeSpans", ctx)
    max_stay = _minutes(rule.get("maxstay"), f"{where}.rule.maxStay")
    no_return = _minutes(rule.get("noreturn"), f"{where}.rule.noReturn")
    payment_raw = reg.get("payment")
    tariff, fee_named = tariffs(payment_raw, f"{where}.payment", ctx) if isinstance(payment_raw, dict) else ((), False)
    paid = rule.get("payment") is True or payment_raw is True or fee_named
    if activity.is_prohibition:
        paid, tariff = False, ()
    elif not paid:
        tariff = ()
    published = words(activity_raw)
    label = published
    if rank_name and not number_text(rank_name) and words(rank_name) != published:
        # "paid parking" says more than "parking (paid parking)"; "no standing (construction)" keeps both
        label = rank_name.strip() if published in words(rank_name) else f"{published} ({rank_name.strip()})"
    if who:
        label += f" for {who}"
    reason = rule.get("reason")
    if isinstance(reason, str) and reason.strip() and words(reason) not in words(label):
        label += f" ({reason.strip()})"
    built = Rule(
        activity=activity,
        user_classes=classes,
        permits=permits,
        time_spans=spans,
        priority=rank,
        max_stay=max_stay,
        no_return=no_return,
        payment=paid,
        tariffs=tariff,
        label=label,
    )
    shown = rank_name if rank_name and not number_text(rank_name) else published
    return built, shown


def user_classes(raw: Any, where: str, ctx: FeedContext) -> tuple[frozenset[UserClass], frozenset[str], str]:
    """``userClasses`` → (classes, permit tokens, label text). Empty → everyone."""
    if raw is None or raw == []:
        return frozenset({UserClass.EVERYONE}), frozenset(), ""
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise RowError("userClasses must be a list of objects", where)
    classes: set[UserClass] = set()
    permits: set[str] = set()
    labels: list[str] = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            item = {"classes": [item]}
        entry = lower_keys(item)
        if not isinstance(item, dict):
            raise RowError("a userClasses entry must be an object", f"{where}[{i}]")
        names = [str(n).strip() for n in as_list(entry.get("classes", entry.get("class"))) if str(n).strip()]
        subs = [str(s).strip() for s in as_list(entry.get("subclasses", entry.get("subclass"))) if str(s).strip()]
        dims = [f"{k} {number_text(entry[k]) or entry[k]}" for k in DIMENSION_KEYS if entry.get(k) is not None]
        if dims:
            ctx.flags["curblr_vehicle_dimensions_not_modelled"] += 1
        if not names and not subs and not dims:
            continue  # {} means "no restriction on who"
        sub_text = f" ({', '.join(subs)})" if subs else ""
        dim_text = f" [{', '.join(dims)}]" if dims else ""
        if not names:
            classes.add(UserClass.OTHER)
            labels.append(f"{', '.join(subs) or 'vehicles'}{dim_text}")
            continue
        for name in names:
            key = words(name)
            cls = USER_CLASS_WORDS.get(key)
            if cls is None and "police" in key:
                cls = UserClass.POLICE
            if cls is UserClass.BUS and key == "transit" and any(words(s) in RAIL_SUBCLASSES for s in subs):
                cls = None
            if cls is None:
                cls = UserClass.OTHER
                ctx.flags["curblr_user_class_other"] += 1
            if cls is UserClass.PERMIT:
                permits.update(normalise_permit(s) for s in subs)
            classes.add(cls)
        labels.append(f"{' / '.join(names)}{sub_text}{dim_text}")
    if not classes:
        return frozenset({UserClass.EVERYONE}), frozenset(), ""
    if UserClass.EVERYONE in classes:
        classes = {UserClass.EVERYONE}  # everyone already covers the others
    return frozenset(classes), frozenset(permits), "; ".join(labels)


def _per_hour(fee: Decimal, minutes: Decimal) -> Decimal:
    value = fee * 60 / minutes
    rounded = value.quantize(Decimal("0.01"))
    return rounded if rounded == value else value.quantize(Decimal("0.0001"))


def tariffs(raw: Any, where: str, ctx: FeedContext) -> tuple[tuple[Tariff, ...], bool]:
    """``payment`` object → (tariffs, whether a positive fee is named)."""
    entry = lower_keys(raw)
    if not entry:
        return (), False
    pairs: list[tuple[Decimal, Decimal]] = []
    for rate in as_list(entry.get("rates")):
        rate = lower_keys(rate)
        if not rate:
            continue
        if rate.get("timespans"):
            ctx.flags["curblr_rate_time_spans_not_modelled"] += 1
        fees = [_decimal(f) for f in as_list(rate.get("fees"))]
        durations = [_decimal(d) for d in as_list(rate.get("durations"))]
        if not fees and not durations:
            continue
        if len(fees) != len(durations) or any(f is None for f in fees) or any(d is None for d in durations):
            ctx.flags["curblr_rate_shape"] += 1
        for fee, minutes in zip(fees, durations, strict=False):
            if fee is not None and minutes is not None and minutes > 0 and fee >= 0:
                pairs.append((fee, minutes))
    for key, amount_key, interval_key in (
        ("minrate", "minamount", "mininterval"),
        ("maxrate", "maxamount", "maxinterval"),
    ):
        for rate in as_list(entry.get(key)):
            rate = lower_keys(rate)
            fee, minutes = _decimal(rate.get(amount_key)), _decimal(rate.get(interval_key))
            if fee is not None and minutes is not None and minutes > 0 and fee >= 0:
                pairs.append((fee, minutes))
    if not pairs:
        return (), False
    hourly = [_per_hour(fee, minutes) for fee, minutes in pairs]
    if len(set(hourly)) > 1:
        ctx.flags["curblr_rate_tiered"] += 1
    positive = any(fee > 0 for fee, _ in pairs)
    if not ctx.currency:
        ctx.flags["curblr_currency_unknown"] += 1
    return (Tariff(fuel="any", per_hour=hourly[0], currency=ctx.currency),), positive


def priority(reg: dict[str, Any], rule: dict[str, Any], where: str, ctx: FeedContext) -> tuple[int, str]:
    """The comparable integer priority (lower wins) and the category name to show."""
    for value, here in (
        (rule.get("prioritycategory"), f"{where}.rule.priorityCategory"),
        (reg.get("prioritycategory"), f"{where}.priorityCategory"),
        (rule.get("priority"), f"{where}.rule.priority"),
        (reg.get("priority"), f"{where}.priority"),
    ):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool):
            raise RowError(f"priority {value!r} is not a category or a number", here)
        if isinstance(value, str):
            key = words(value)
            if key in ctx.hierarchy:
                return ctx.hierarchy[key], value.strip()
            if number_text(value) is None:
                ctx.flags["curblr_priority_unknown"] += 1
                return len(ctx.hierarchy), value.strip()
        number = _decimal(value)
        if number is None or number != number.to_integral_value():
            raise RowError(f"priority {value!r} is not a whole number", here)
        level = int(number)
        if str(level) in ctx.hierarchy:
            return ctx.hierarchy[str(level)], str(level)
        ctx.flags["curblr_priority_numeric"] += 1
        return level - 1, str(level)
    ctx.flags["curblr_priority_missing"] += 1
    return (len(ctx.hierarchy) if ctx.hierarchy else 3), ""


def _minutes(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    number = _decimal(value)
    if number is None or number != number.to_integral_value() or number <= 0:
        raise RowError(f"{where.rsplit('.', 1)[-1]} {value!r} is not a positive whole number of minutes", where)
    return int(number)


def _decimal(value: Any) -> Decimal | None:
    text = number_text(value)
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


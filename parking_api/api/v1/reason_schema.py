"""The documented shape of ``reason_code``, ``reason_params`` and ``until_status`` (the vocabulary is
``engine/reasons.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import EXCLUDE, Schema, fields, validate

from parking_api.engine.reasons import REASON_CODES, REASON_PARAMS, UNTIL_STATUSES


def _listing(values: Mapping[str, str]) -> str:
    return " ".join(f"`{code}`: {meaning}" for code, meaning in values.items())


class AlsoAllowedSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    who = fields.List(fields.String(), required=True, metadata={"description": "User classes, e.g. `blue_badge`."})
    max_stay = fields.Integer(required=True, allow_none=True, metadata={"description": "Minutes (null: no limit)."})


def _param(name: str) -> fields.Field:
    described = {"description": REASON_PARAMS[name]}
    if name in ("until", "allowed_from", "pay_until", "pay_from"):
        return fields.DateTime(metadata=described)
    if name in ("max_stay", "no_return"):
        return fields.Integer(metadata=described)
    if name in ("needs", "permits"):
        return fields.List(fields.String(), metadata=described)
    if name == "loading_allowed":
        return fields.Boolean(metadata=described)
    if name == "also_allowed":
        return fields.List(fields.Nested(AlsoAllowedSchema), metadata=described)
    return fields.String(metadata=described)


ReasonParamsSchema = Schema.from_dict({name: _param(name) for name in REASON_PARAMS}, name="ReasonParamsSchema")
ReasonParamsSchema.__doc__ = "The values the reason states, as data; only those that apply to the code are present."


def reason_code() -> fields.String:
    return fields.String(
        required=True,
        validate=validate.OneOf(list(REASON_CODES)),
        metadata={"description": "Why, for code (the text says it in words). " + _listing(REASON_CODES)},
    )


def reason_params() -> fields.Nested:
    return fields.Nested(ReasonParamsSchema, required=True)


def until_status() -> fields.String:
    return fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(list(UNTIL_STATUSES)),
        metadata={"description": "Why `until` is what it is (null with `basis: no_data`). " + _listing(UNTIL_STATUSES)},
    )

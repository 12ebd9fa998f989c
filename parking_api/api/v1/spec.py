"""The OpenAPI document as client generators need it: an ``operationId`` on every operation, nullable objects as
``allOf`` + ``nullable`` (not ``anyOf`` wrappers), GeoJSON geometries typed by their ``type``, the caching headers
declared, and only the responses that can occur.

:func:`prepare` runs before the blueprints are documented, :func:`finish` after; :class:`Blueprint` names the
operations.
"""

from __future__ import annotations

import json
from typing import Any

from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint

NOT_FOUND_IN_BODY = frozenset({("post", "/v1/suspensions")})
"""Operations without a path parameter that still answer 404: the bay their body names may be unknown."""

_POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3,
             "description": "Longitude, latitude (WGS84)."}  # fmt: skip
_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}

_HEADERS = {
    "ETag": {
        "description": "The answer's tag: weak (`W/`) when polling without `at`, so that it holds while the answer "
        "does; send it back as `If-None-Match`.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {
        "description": "`private` for answers about a position, `public` otherwise; `max-age` never outlives the "
        "answer (`no-store` when it is about to change).",
        "schema": {"type": "string"},
    },
}
_IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "The `ETag` of an earlier response: 304 (no body) while it still holds.",
    "schema": {"type": "string"},
}


class Blueprint(SmorestBlueprint):
    """A flask-smorest blueprint whose operations get an ``operationId`` from the view: the HTTP method and the
    view's name (``getBaySchedule`` for ``BaySchedule.get``), unless the view sets its own with ``@doc``."""

    def _store_endpoint_docs(self, endpoint: str, obj: Any, parameters: Any, tags: Any, **options: Any) -> None:
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        for method, doc in self._docs[endpoint].items():
            if method != "parameters":
                doc.setdefault("manual_doc", {}).setdefault("operationId", operation_id(method, endpoint))


def operation_id(method: str, endpoint: str) -> str:
    """``get`` + ``BaySchedule`` → ``getBaySchedule``; ``get`` + ``tile_png`` → ``getTilePng``."""
    words = [w for w in endpoint.replace("-", "_").split("_") if w]
    camel = "".join(w[:1].upper() + w[1:] for w in words)
    if camel.lower().startswith(method):
        camel = camel[len(method) :]
    return method + camel


def prepare(api: Api) -> None:
    """Before any operation is documented: the geometry components, and nullable objects written the way
    generators read them (``allOf: [$ref]`` with ``nullable: true``)."""
    from parking_api.api.v1.schemas import GeometrySchema

    spec = api.spec
    if "Geometry" in spec.components.schemas:
        return
    api.ma_plugin.converter.add_attribute_function(_nullable_ref)
    api.ma_plugin.converter.add_attribute_function(_enum_of_items)
    spec.components.schema("Geometry", schema=GeometrySchema)  # the marshmallow schema's name, then its real doc
    kinds = [*_DEPTH, "GeometryCollection"]
    for kind in kinds:
        spec.components.schema(f"{kind}Geometry", _geometry(kind))
    spec.components.schemas["Geometry"] = {
        "description": "A GeoJSON geometry (RFC 7946), typed by its `type`.",
        "oneOf": [{"$ref": f"#/components/schemas/{kind}Geometry"} for kind in kinds],
        "discriminator": {
            "propertyName": "type",
            "mapping": {kind: f"#/components/schemas/{kind}Geometry" for kind in kinds},
        },
    }
    for name, header in _HEADERS.items():
        spec.components.header(name, header)


def _geometry(kind: str) -> dict[str, Any]:
    if kind == "GeometryCollection":
        member = {"geometries": {"type": "array", "items": {"$ref": "#/components/schemas/Geometry"}}}
    else:
        coordinates: dict[str, Any] = _POSITION
        for _ in range(_DEPTH[kind]):
            coordinates = {"type": "array", "items": coordinates}
        member = {"coordinates": coordinates}
    return {
        "type": "object",
        "required": ["type", next(iter(member))],
        "properties": {"type": {"type": "string", "enum": [kind]}, **member},
    }


def _nullable_ref(self: Any, field: Any, ret: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """apispec writes a nullable nested schema as ``anyOf: [{type: object, nullable: true}, {$ref}]``, which Swift
    and Kotlin generators turn into wrapper types; OpenAPI 3.0's ``allOf: [{$ref}]`` + ``nullable`` says the same."""
    options = ret.get("anyOf")
    if not (isinstance(options, list) and len(options) == 2):
        return {}
    refs = [option for option in options if "$ref" in option]
    if len(refs) != 1 or {"type": "object", "nullable": True} not in options:
        return {}
    del ret["anyOf"]
    ret["allOf"] = refs
    return {"nullable": True}


def _enum_of_items(self: Any, field: Any, ret: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """A list whose every item is one of a set (``properties=``) is documented with the enum on its items."""
    if ret.get("type") == "array" and "enum" in ret and isinstance(ret.get("items"), dict):
        ret["items"]["enum"] = ret.pop("enum")
    return {}


def finish(api: Api) -> None:
    """After every operation is documented: 304 and the caching headers on reads only, 404 only where something
    named can be unknown, and no component nothing refers to (flask-smorest's own ``Error`` and pagination)."""
    spec = api.spec
    for path, operations in spec._paths.items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            responses = operation.setdefault("responses", {})
            if "{" not in path and (method, path) not in NOT_FOUND_IN_BODY:
                responses.pop("404", None)
            if method != "get":
                responses.pop("304", None)
                continue
            headers = {name: {"$ref": f"#/components/headers/{name}"} for name in _HEADERS}
            for status in ("200", "304"):
                if isinstance(responses.get(status), dict) and "$ref" not in responses[status]:
                    responses[status]["headers"] = headers
            parameters = operation.setdefault("parameters", [])
            if not any(p.get("name") == "If-None-Match" for p in parameters):
                parameters.append(dict(_IF_NONE_MATCH))
    used = json.dumps({"paths": spec._paths, "components": spec.components.to_dict()})
    for name in ("Error", "PaginationMetadata"):
        if f'"#/components/schemas/{name}"' not in used:
            spec.components.schemas.pop(name, None)

"""`make test-deep`: the fuzz of ``test_openapi_fuzz`` at depth, outside CI — every operation the OpenAPI document
declares, ``PARKING_FUZZ_DEEP`` examples each (the Makefile passes 500), and a stateful run over the document's
links where it has any. Collected only when ``PARKING_FUZZ_DEEP`` is set (see conftest.py); ``make test`` keeps the
bounded run.

A failing operation does not hide the others: each is fuzzed, and the test fails at the end listing every
operation with its first failure (a 5xx, or a response that breaks its documented schema).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from .test_openapi_fuzz import FUZZ, KEYED_OPERATIONS, api_schema, keys_by_role, steer, steer_keyed

__all__ = ["api_schema", "keys_by_role"]  # fixtures, shared with the bounded run

CHECKS = [not_a_server_error, response_schema_conformance]
ROLES = {(method, path): role for method, path, role in KEYED_OPERATIONS}


def _deep() -> settings:
    return settings(FUZZ, max_examples=int(os.environ.get("PARKING_FUZZ_DEEP") or 500))


def _role(operation, method: str, path: str) -> str | None:
    """The key role an operation needs: as the bounded run says, else ``council`` for any other secured one."""
    if (method, path) in ROLES:
        return ROLES[(method, path)]
    return "council" if operation.definition.raw.get("security") else None


def _fuzzer(operation, method: str, path: str, headers: dict[str, str], base_url: str):
    @given(case=operation.as_strategy(), data=st.data())
    @_deep()
    def fuzz(case, data):
        if (method, path) in ROLES:
            steer_keyed(path, method, case, data)
        elif method == "GET":
            steer(path, case, data)
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    return fuzz


def test_every_operation_at_depth(api_schema, live_server, keys_by_role):
    failures: list[str] = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert operations
    for operation in operations:
        method, path = operation.method.upper(), operation.path
        role = _role(operation, method, path)
        headers = {"Authorization": f"Bearer {keys_by_role[role]}"} if role else {}
        try:
            _fuzzer(operation, method, path, headers, live_server)()
        except (Exception, BaseExceptionGroup) as exc:  # every operation is reported, not only the first failing one
            failures.append(f"{method} {path}: {type(exc).__name__}: {str(exc)[:2000]}")
    assert not failures, "\n\n".join(failures)


def test_stateful_where_the_document_has_links(api_schema, live_server, keys_by_role):
    raw = api_schema.raw_schema
    has_links = any(
        "links" in response
        for item in raw.get("paths", {}).values()
        for operation in item.values()
        if isinstance(operation, dict)
        for response in operation.get("responses", {}).values()
        if isinstance(response, dict)
    )
    if not has_links:
        pytest.skip("the OpenAPI document declares no links: nothing to chain")
    machine = api_schema.as_state_machine()

    class Deep(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):
            return {"base_url": live_server, "headers": {"Authorization": f"Bearer {keys_by_role['council']}"}}

    Deep.run(settings=_deep())

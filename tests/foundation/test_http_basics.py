"""The probes, the OpenAPI document, the offline docs and the problem-details error contract."""

from __future__ import annotations

import re


def test_healthz_answers_without_touching_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_reports_the_migrated_schema(client):
    from parking_api.store.migrate import head_revision

    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["schema"] == head_revision()


def test_openapi_document_is_served_and_valid(client):
    from openapi_spec_validator import validate

    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["info"]["title"] == "Kerbside parking API"


def test_docs_page_uses_only_local_assets(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    links = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/docs/assets/swagger-ui-bundle.js" in links
    assert all(link.startswith("/") for link in links), links  # nothing fetched from another host
    for link in links:
        asset = client.get(link)
        assert asset.status_code == 200, link
        asset.close()


def test_unknown_path_is_a_json_problem(client):
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == 404 and body["title"] and body["type"]


def test_wrong_method_keeps_allow_header(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json(force=True)["status"] == 405

"""The published API description: examples that work, and problem+json declared."""

import re

import pytest
from fastapi.testclient import TestClient

from service.calls.models import CALL_CREATE_EXAMPLES
from service.config import get_settings
from service.main import create_app

SPEC = create_app().openapi()
OPERATIONS = [
    (path, method, operation)
    for path, item in SPEC["paths"].items()
    for method, operation in item.items()
]


def test_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").json()["paths"].keys() == SPEC["paths"].keys()


def test_a_deployment_can_serve_no_docs(monkeypatch):
    """The docs are the only paths besides the probes that need no token; they can go."""
    monkeypatch.setenv("HOTLINE_API_DOCS", "false")
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as client:
            for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
                assert client.get(path).status_code == 404, path
            assert client.get("/healthz").status_code == 200
            assert client.get("/calls").status_code == 401
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("name", sorted(CALL_CREATE_EXAMPLES))
def test_every_documented_example_call_is_accepted(client, name):
    response = client.post("/calls", json=CALL_CREATE_EXAMPLES[name]["value"])
    assert response.status_code == 201, response.text


def test_every_request_body_has_an_example():
    for path, method, operation in OPERATIONS:
        if "requestBody" in operation:
            content = operation["requestBody"]["content"]["application/json"]
            ref = content["schema"].get("$ref", "")
            schema = SPEC["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
            assert content.get("examples") or schema.get("examples"), f"{method} {path}"


def test_every_operation_has_a_summary_and_problem_responses_point_at_problem():
    for path, method, operation in OPERATIONS:
        assert operation.get("summary"), f"{method} {path}"
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                content = response["content"]
                assert list(content) == ["application/problem+json"], f"{method} {path} {status}"
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
    assert {"type", "title", "status", "detail"} <= set(
        SPEC["components"]["schemas"]["Problem"]["required"]
    )


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def test_operation_ids_are_readable_and_unique():
    """FastAPI's default ids read like `create_call_calls_post`."""
    spec = create_app().openapi()
    ids = [operation["operationId"] for _, _, operation in _operations(spec)]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) and not i.endswith(("_get", "_post"))
               for i in ids), ids  # fmt: skip
    assert spec["paths"]["/calls"]["post"]["operationId"] == "create_call"


def test_every_operation_declares_503_and_every_body_413_and_408():
    for path, method, operation in _operations(create_app().openapi()):
        assert "503" in operation["responses"], (method, path)
        if "requestBody" in operation:
            assert {"408", "413"} <= set(operation["responses"]), (method, path)


def test_calls_declare_their_headers_conflicts_and_key_rules():
    spec = create_app().openapi()
    create = spec["paths"]["/calls"]["post"]
    assert {"Location", "ETag"} <= set(create["responses"]["201"]["headers"])
    assert "409" in create["responses"]  # a keyed request still in flight
    for method in ("get", "patch"):
        answer = spec["paths"]["/calls/{call_id}"][method]["responses"]["200"]
        assert "ETag" in answer["headers"], method
    (key,) = [p for p in create["parameters"] if p["name"].lower() == "idempotency-key"]
    assert key["schema"]["minLength"] == 1 and key["schema"]["maxLength"] == 200

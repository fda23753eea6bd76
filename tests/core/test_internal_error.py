from fastapi.testclient import TestClient

from service.main import create_app


def test_an_unexpected_error_is_a_problem_that_leaks_nothing():
    app = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret note: CPR 010203-1234")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 500
    assert body["type"].endswith("internal-error")
    assert "secret" not in response.text


def test_the_log_of_an_unexpected_error_holds_no_request_content(caplog):
    app = create_app()

    @app.post("/boom")
    def boom(payload: dict) -> None:
        raise ValueError(f"could not handle {payload['notes']}")

    with caplog.at_level("ERROR"):
        response = TestClient(app, raise_server_exceptions=False).post(
            "/boom", json={"notes": "Mette, tlf 22334455"}
        )
    assert response.status_code == 500
    assert "ValueError" in caplog.text
    assert "/boom" in caplog.text
    assert "22334455" not in caplog.text
    assert "Mette" not in caplog.text

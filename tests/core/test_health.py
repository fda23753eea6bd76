import sqlalchemy as sa

from service import health


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_is_unready_when_the_database_is_behind_head(client, session):
    session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "hotline migrate" in response.json()["detail"]


def test_readyz_is_unready_when_the_database_cannot_be_reached(client, monkeypatch):
    def unreachable(_connection):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(health.migrations, "current_revisions", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["title"] == "Service not ready"

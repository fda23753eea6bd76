"""The API docs load nothing from outside the app: Swagger UI and ReDoc are vendored (#20)."""

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from service.web.api_docs import STATIC_DIR, add_offline_docs, mount_static

VENDOR = STATIC_DIR / "vendor"
PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")
# An absolute or protocol-relative URL: a host other than the page's own.
ABSOLUTE = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?//[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
CONTENT_TYPES = {
    ".js": {"text/javascript", "application/javascript"},
    ".css": {"text/css"},
    ".png": {"image/png"},
    ".json": {"application/json"},
}
# What makes each vendored file the library it claims to be, not an empty or error page.
SIGNATURES = {
    "swagger-ui/swagger-ui-bundle.js": b"SwaggerUIBundle",
    "swagger-ui/swagger-ui.css": b".swagger-ui",
    "swagger-ui/favicon-32x32.png": b"\x89PNG\r\n\x1a\n",
    "redoc/redoc.standalone.js": b"Redoc",
    "htmx/htmx.min.js": b"htmx",
    "axe-core/axe.min.js": b"axe v",
}


class _References(HTMLParser):
    """Every URL a page makes the browser fetch: src, href and ReDoc's spec-url."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "spec-url"} and value is not None:
                self.urls.append(value)


def _references(page: str) -> list[str]:
    parser = _References()
    parser.feed(page)
    urls = parser.urls
    # Swagger UI is given the spec's URL in its inline script, not an attribute.
    urls += re.findall(r"url: '([^']+)'", page)
    return urls


def _app() -> FastAPI:
    app = FastAPI(title="Docs test", docs_url=None, redoc_url=None)

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"ping": "pong"}

    add_offline_docs(app)
    return app


@pytest.fixture(scope="module")
def docs() -> TestClient:
    return TestClient(_app())


@pytest.mark.parametrize("path", PAGES)
def test_a_docs_page_names_no_other_host(docs, path):
    """Not in an attribute nor in inline script: a CDN, Google's fonts or Swagger's validator."""
    response = docs.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert ABSOLUTE.findall(response.text) == []


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_every_asset_a_docs_page_loads_is_served_by_the_app(docs, path):
    urls = _references(docs.get(path).text)
    assert any(url.endswith(".js") for url in urls), urls
    assert "/openapi.json" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = docs.get(url)
        assert asset.status_code == 200, url
        content_type = asset.headers["content-type"].split(";")[0]
        assert content_type in CONTENT_TYPES[Path(url).suffix], (url, content_type)
        assert asset.content, url


def test_swagger_ui_loads_its_own_bundle_and_css_and_no_validator_badge(docs):
    urls = _references(docs.get("/docs").text)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in urls
    assert "/static/vendor/swagger-ui/swagger-ui.css" in urls
    # Left unset, Swagger UI posts the spec to validator.swagger.io for a badge.
    assert '"validatorUrl": null' in docs.get("/docs").text


def test_redoc_loads_its_own_bundle(docs):
    urls = _references(docs.get("/redoc").text)
    assert "/static/vendor/redoc/redoc.standalone.js" in urls


def test_behind_a_path_prefix_the_pages_point_inside_it():
    """A proxy serving the app under /hotline: the spec and assets are asked for there."""
    with TestClient(_app(), root_path="/hotline") as prefixed:
        urls = _references(prefixed.get("/docs").text)
    assert urls and all(url.startswith("/hotline/") for url in urls), urls


def test_the_docs_are_not_api_operations(docs):
    assert set(docs.get("/openapi.json").json()["paths"]) == {"/ping"}
    hidden = {
        route.path
        for route in docs.app.routes  # type: ignore[attr-defined]
        if getattr(route, "include_in_schema", None) is False
    }
    assert hidden == {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def test_static_is_mounted_once_whoever_mounts_it_first():
    app = FastAPI(docs_url=None, redoc_url=None)
    mount_static(app)
    add_offline_docs(app)
    mount_static(app)
    mounts = [route for route in app.routes if isinstance(route, Mount)]
    assert [mount.path for mount in mounts] == ["/static"]


def test_without_a_spec_there_are_no_docs():
    with pytest.raises(ValueError, match="openapi_url"):
        add_offline_docs(FastAPI(openapi_url=None, docs_url=None, redoc_url=None))


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_a_vendored_file_is_its_library(name):
    content = (VENDOR / name).read_bytes()
    assert len(content) > 100
    assert SIGNATURES[name] in content


def test_redoc_is_changed_to_load_no_logo_from_its_cdn():
    """ReDoc 2 always shows Redocly's logo from cdn.redoc.ly; the vendored copy does not."""
    bundle = (VENDOR / "redoc" / "redoc.standalone.js").read_bytes()
    assert b"cdn.redoc.ly" not in bundle
    assert b'alt:"redocly logo",onError:()=>t(!1),src:"data:,"' in bundle


@pytest.mark.parametrize("library", ["swagger-ui", "redoc", "htmx", "axe-core"])
def test_a_vendored_library_has_its_licence_and_says_where_it_came_from(library):
    """The README's checksums are the files': an updated file needs an updated README."""
    folder = VENDOR / library
    assert (folder / "LICENSE").read_text().strip()
    readme = (folder / "README.md").read_text()
    assert "npm pack" in readme
    listed = dict(re.findall(r"^\| (\S+) \| `([0-9a-f]{64})` \|$", readme, re.MULTILINE))
    files = {path.name for path in folder.iterdir() if path.name != "README.md"}
    assert set(listed) == files
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_the_apps_docs_are_the_offline_ones(client):
    """The real app, wired as service/main.py does it, without a token."""
    client.headers.pop("Authorization")
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert ABSOLUTE.findall(response.text) == [], path
    for url in _references(client.get("/docs").text) + _references(client.get("/redoc").text):
        assert client.get(url).status_code == 200, url

"""The interactive API docs (/docs, /redoc) served from the app's own vendored assets."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.routing import Mount

STATIC_DIR = Path(__file__).parent / "static"
STATIC_URL = "/static"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"

_SWAGGER = f"{STATIC_URL}/vendor/swagger-ui"
_REDOC = f"{STATIC_URL}/vendor/redoc"
# Swagger UI ships no favicon of ReDoc's own; both pages show Swagger UI's.
_FAVICON = f"{_SWAGGER}/favicon-32x32.png"


def add_offline_docs(app: FastAPI) -> None:
    """Serve /docs, its OAuth2 landing page and /redoc with no asset from outside the app."""
    # The docs show the spec; without one they would be empty pages.
    if app.openapi_url is None:
        raise ValueError("the API docs need the app's openapi_url")
    openapi_url = app.openapi_url
    mount_static(app)

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root_path(request)
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{_SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{_SWAGGER}/swagger-ui.css",
            swagger_favicon_url=root + _FAVICON,
            oauth2_redirect_url=OAUTH2_REDIRECT_URL,
            init_oauth=app.swagger_ui_init_oauth,
            # Swagger UI would otherwise send the spec to validator.swagger.io for its badge.
            swagger_ui_parameters={**(app.swagger_ui_parameters or {}), "validatorUrl": None},
        )

    async def oauth2_redirect(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = _root_path(request)
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{_REDOC}/redoc.standalone.js",
            redoc_favicon_url=root + _FAVICON,
            # ReDoc falls back to the browser's own fonts; Google's would be a third-party call.
            with_google_fonts=False,
        )

    # Plain routes, as FastAPI's own docs are: not API operations, so not in the spec.
    app.add_route(DOCS_URL, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT_URL, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC_URL, redoc, include_in_schema=False)


def mount_static(app: FastAPI) -> None:
    """Mount /static once, whoever asks first (the docs or the web pages)."""
    if any(isinstance(route, Mount) and route.path == STATIC_URL for route in app.routes):
        return
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")


def _root_path(request: Request) -> str:
    # Behind a proxy that strips a prefix the page must still find the spec and the assets.
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")

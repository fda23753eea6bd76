"""Put the web pages into the app: their routes, their assets and their error pages."""

import inspect
import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from service.tokens import sessions
from service.web import api_docs, board_pages, desk_pages, oidc_pages, report_pages
from service.web.dependencies import Page, page_language
from service.web.errors import PageForbidden, SignInRequired
from service.web.router import router, signin_redirect
from service.web.templating import render


def install(app: FastAPI) -> None:
    """Serve the pages and `/static`, and let the session cookie authenticate the API."""
    app.state.authenticate_cookie = sessions.authenticate
    app.include_router(router)
    for pages in (desk_pages, board_pages, report_pages, oidc_pages):
        app.include_router(pages.router)
    api_docs.mount_static(app)

    async def sign_in_first(request: Request, exc: Exception) -> Response:
        return signin_redirect(request)

    async def forbidden_page(request: Request, exc: Exception) -> Response:
        page = Page(request=request, lang=page_language(request), csrf_token="")
        return render(page, "error.html", status_code=403, message="error.forbidden")

    # A page's bad query or form gets a page saying what was wrong; the API keeps its
    # problem+json (the handler registered before this one).
    api_invalid = app.exception_handlers[RequestValidationError]

    async def invalid_page(request: Request, exc: Exception) -> Response:
        result = api_invalid(request, exc)
        answer: Response = await result if inspect.isawaitable(result) else result
        if not _is_page(request):
            return answer
        problem = json.loads(bytes(answer.body))
        details = [f"{error['field']}: {error['reason']}" for error in problem.get("errors", [])]
        page = Page(request=request, lang=page_language(request), csrf_token="")
        return render(page, "error.html", status_code=422, message="error.invalid", details=details)

    app.add_exception_handler(SignInRequired, sign_in_first)
    app.add_exception_handler(PageForbidden, forbidden_page)
    app.add_exception_handler(RequestValidationError, invalid_page)


def _is_page(request: Request) -> bool:
    return request.url.path == "/" or request.url.path.startswith("/web/")

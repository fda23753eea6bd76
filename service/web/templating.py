"""Render a page: the template with the page's language, its CSRF token and who is signed in."""

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from service.web.dependencies import Page
from service.web.i18n import translate

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))


def render(page: Page, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The template `name` filled in for `page`; text through `t(key)` in the page's language."""

    def t(key: str, **values: object) -> str:
        return translate(page.lang, key, **values)

    return TEMPLATES.TemplateResponse(
        page.request,
        name,
        {
            "page": page,
            "lang": page.lang,
            "t": t,
            "csrf_token": page.csrf_token,
            "principal": page.principal,
            **context,
        },
        status_code=status_code,
    )

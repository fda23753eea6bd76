"""`GET /search`: full text over call notes, cases and case notes; references, CVR and
callback numbers."""

from typing import Annotated

from fastapi import Query, Response

from service import api
from service.auth.dependencies import SIGNED_IN, CurrentPrincipal
from service.auth.models import Role
from service.calls import reach
from service.cases import service as cases_service
from service.config import SettingsDep
from service.db import SessionDep
from service.errors import problem_responses
from service.pagination import Page, audited_listing
from service.search import service as search_service
from service.search.models import SearchHit, SearchQuery

router = api.router(
    tags=["search"], dependencies=[SIGNED_IN], responses=problem_responses(401, 403)
)


@audited_listing(
    router,
    "/search",
    SearchHit,
    summary="Search calls and cases",
    description="Full text over call notes, case titles and summaries and case notes, best "
    'match first: words (all must be there), `word*` prefixes and "quoted phrases"; on '
    "PostgreSQL a word also finds its inflections (Danish stemming). Typed alone, a case "
    "reference (`2026-00042`) finds its case, a CVR number the cases of that workplace, a "
    "callback number the calls from it. Each hit has a snippet of HTML: escaped text, the "
    "matches in `<mark>`. An adviser finds the calls and the cases they may see; every hit "
    "shown is a recorded read. Words, prefixes and phrases rank the newest matches only (the "
    "header `Search-Window` says how many; newest by the time of the call, case or note, "
    "on SQLite by when its text was written): narrow with `from` and `to` to search further "
    "back. Pass `next_cursor` back as `cursor` for the next page, within the same window.",
)
def search(
    session: SessionDep,
    query: Annotated[SearchQuery, Query()],
    principal: CurrentPrincipal,
    settings: SettingsDep,
    response: Response,
) -> Page[SearchHit]:
    # Said on every answer, so that a client can tell the hits are not ranked among all.
    response.headers["Search-Window"] = str(search_service.WINDOW)
    scope = search_service.Scope()
    if principal.role == Role.adviser:
        scope = search_service.Scope(
            calls=reach.adviser_may_see(principal.adviser_id),
            cases=cases_service.adviser_may_see(principal.adviser_id),
        )
    return search_service.search(session=session, settings=settings, search_in=query, scope=scope)

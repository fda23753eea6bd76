"""The adviser's desk page: presence, the offer, the call in hand, wrap-up, tasks, cases.

The page is rendered here from the domain's services, panel by panel; `static/desk.js`
listens to `/desk/events` and asks for a panel again (`/web/desk/panel/<name>`) when an
event says it changed, and sends the adviser's actions to the JSON API itself, so the
page never needs a reload and the API's rules (states, ETags, problems) are the only ones.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from sqlmodel import Session, select
from starlette.responses import HTMLResponse

from service.advisers import service as advisers_service
from service.advisers.models import Adviser
from service.audit import service as audit_service
from service.calls import views as calls_views
from service.calls.journal import CallOffer, OfferState
from service.calls.models import Call, CallStatus, WorkplaceSize
from service.calls.related import CallWithContacts
from service.cases import service as cases_service
from service.cases import task_service
from service.cases.filters import CaseQuery
from service.cases.models import CasePublic
from service.cases.task_models import CaseTaskPublic, TaskQuery
from service.clock import NowDep
from service.config import Settings, SettingsDep
from service.db import SessionDep
from service.errors import NotFound
from service.etag import etag
from service.taxonomy import service as taxonomy_service
from service.taxonomy.models import CodePublic, TaxonomyPublic
from service.web.dependencies import AdviserPage, Page
from service.web.i18n import translate
from service.web.templating import render

router = APIRouter(include_in_schema=False)

# How many of their tasks and cases the desk lists; the API pages through the rest.
LISTED = 20
PANELS = ("presence", "offer", "call", "tasks", "cases")
# The texts desk.js says or shows itself (the live region, the countdown), in the page's
# language: the page hands them over as JSON.
SCRIPT_TEXTS = (
    "desk.offer.announce",
    "desk.offer.expired",
    "desk.offer.seconds_left",
    "desk.offer.gone",
    "desk.call.accepted",
    "desk.call.held",
    "desk.call.resumed",
    "desk.call.ended",
    "desk.call.closed",
    "desk.call.rejected",
    "desk.presence.changed",
    "desk.tasks.due",
    "desk.stream.lost",
    "desk.stream.back",
    "desk.error.action",
    "desk.error.field",
    "desk.stream.live",
)


@dataclass(frozen=True)
class Offered:
    """A call offered to the adviser now, with when the offer runs out."""

    call: CallWithContacts
    offer_id: uuid.UUID
    expires_at: datetime
    seconds_left: int


@dataclass(frozen=True)
class InHand:
    """A call the adviser has taken: in progress (perhaps on hold) or in wrap-up."""

    call: CallWithContacts
    on_hold: bool
    etag: str


@dataclass(frozen=True)
class Codes:
    """The code lists in the page's language: code -> label, in their order."""

    taxonomy: TaxonomyPublic
    lang: str

    def label(self, list_name: str, code: str | None) -> str:
        if code is None:
            return ""
        for entry in getattr(self.taxonomy, list_name):
            if entry.code == code:
                return str(entry.label_en if self.lang == "en" else entry.label_da)
        return code

    def choices(self, list_name: str, keep: list[str] | None = None) -> list[tuple[str, str]]:
        """The codes one may choose now: the active ones, and any the call already carries."""
        kept = set(keep or [])
        entries: list[CodePublic] = getattr(self.taxonomy, list_name)
        return [
            (entry.code, entry.label_en if self.lang == "en" else entry.label_da)
            for entry in entries
            if entry.active or entry.code in kept
        ]


def _adviser(page: Page, session: Session) -> Adviser:
    assert page.principal is not None and page.principal.adviser_id is not None
    return advisers_service.get(session=session, adviser_id=page.principal.adviser_id)


def _calls(
    session: Session, adviser: Adviser, now: datetime, *, shown_in_hand: bool
) -> tuple[list[Offered], list[InHand]]:
    """The calls offered to the adviser and those in their hands, as the API shows them."""
    current = calls_views.adviser_calls(session=session, adviser=adviser).current
    offers = {
        offer.call_id: offer
        for offer in session.exec(
            select(CallOffer).where(
                CallOffer.adviser_id == adviser.id, CallOffer.state == OfferState.pending
            )
        ).all()
    }
    offered: list[Offered] = []
    in_hand: list[InHand] = []
    for call in current:
        if call.status == CallStatus.assigned:
            offer = offers.get(call.id)
            if offer is None:
                continue  # handed back this instant: its offer_cancelled follows
            left = max(0, int((offer.expires_at - now).total_seconds()))
            offered.append(Offered(call, offer.id, offer.expires_at, left))
        else:
            # The record itself (already loaded) says whether the caller is on hold.
            stored = session.get(Call, call.id)
            assert stored is not None
            in_hand.append(InHand(call, stored.hold_started_at is not None, etag(stored)))
    if shown_in_hand:
        # Their notes are on the page (the wrap-up form): a recorded read, as the API's.
        audit_service.record_reads(session=session, calls=[item.call for item in in_hand])
    return offered, in_hand


def _tasks(session: Session, adviser: Adviser, now: datetime) -> list[CaseTaskPublic]:
    tasks = task_service.list_tasks(
        session=session,
        query=TaskQuery(assignee="me", limit=LISTED),
        assignee_id=adviser.id,
        live_cases_only=True,
        now=now,
    ).items
    task_service.record_reads(session=session, tasks=tasks)
    return tasks


def _cases(session: Session, adviser: Adviser, now: datetime) -> list[CasePublic]:
    # What an adviser may see of the cases is theirs: owned, with a task, or a call of theirs.
    cases = cases_service.list_cases(
        session=session,
        query=CaseQuery(limit=LISTED),
        now=now,
        scope=cases_service.adviser_may_see(adviser.id),
    ).items
    cases_service.record_reads(session=session, cases=cases)
    return cases


def _context(
    page: Page, session: Session, settings: Settings, now: datetime, panels: tuple[str, ...]
) -> dict[str, Any]:
    """What the panels named show, read through the domain's services."""
    adviser = _adviser(page, session)
    zone = ZoneInfo(settings.timezone)

    def at(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")

    context: dict[str, Any] = {
        "adviser": adviser,
        "codes": Codes(taxonomy_service.get_taxonomy(session=session), page.lang),
        "at": at,
        "workplace_sizes": [size.value for size in WorkplaceSize],
    }
    if "offer" in panels or "call" in panels:
        context["offered"], context["in_hand"] = _calls(
            session, adviser, now, shown_in_hand="call" in panels
        )
    if "tasks" in panels:
        context["tasks"] = _tasks(session, adviser, now)
    if "cases" in panels:
        context["cases"] = _cases(session, adviser, now)
    if "queue" in panels:
        context["queue"] = calls_views.queue_summary(session, now=now)
    return context


def _script_texts(lang: str) -> dict[str, str]:
    return {key: translate(lang, key) for key in SCRIPT_TEXTS}


@router.get("/web/desk", summary="The adviser's desk")
def desk(
    page: AdviserPage, session: SessionDep, settings: SettingsDep, now: NowDep
) -> HTMLResponse:
    context = _context(page, session, settings, now, (*PANELS, "queue"))
    return render(page, "desk.html", script_texts=_script_texts(page.lang), **context)


PANEL_TEMPLATES: dict[str, str] = {name: f"desk/{name}.html" for name in PANELS}


class UnknownPanel(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"The desk has no panel {name!r}.")


@router.get("/web/desk/panel/{name}", summary="One panel of the desk, for the page to swap in")
def desk_panel(
    page: AdviserPage, session: SessionDep, settings: SettingsDep, now: NowDep, name: str
) -> HTMLResponse:
    if name not in PANEL_TEMPLATES:
        raise UnknownPanel(name)
    context = _context(page, session, settings, now, (name,))
    response = render(page, PANEL_TEMPLATES[name], **context)
    response.headers["Cache-Control"] = "no-store"
    return response

"""The adviser's desk page without a browser: who may open it, what its panels show in each
state of a call, its languages, and that every text it uses is in both catalogues."""

import html
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from service.advisers.models import Presence
from service.audit.models import AuditEvent
from service.auth.models import Principal, Role
from service.calls.models import CallStatus, Direction
from service.cases.states import CaseStatus
from service.config import get_settings
from service.tokens import sessions
from service.web import desk_pages
from service.web.i18n import LANGUAGES, catalogue
from tests.desk import CLASSIFICATION
from tests.factories import closed_call, create_adviser, iso, make_token

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
TEMPLATES = Path(desk_pages.__file__).with_name("templates")


def sign_in(client, token: str) -> str:
    """Sign the client in on the sign-in page, as a browser does; the page's CSRF token."""
    form = CSRF_FIELD.search(client.get("/web/signin").text).group(1)
    answer = client.post(
        "/web/signin", data={"token": token, "csrf_token": form}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return CSRF_META.search(client.get("/web/desk").text).group(1)


class DeskBrowser:
    """The test client as an adviser's browser (the cookie only), with the admin's header
    kept aside for setting up calls through the API."""

    def __init__(self, client, session, clock) -> None:
        self.client, self.session, self.clock = client, session, clock
        self.admin = {"Authorization": client.headers.pop("Authorization")}
        self.adviser: dict = {}
        self.csrf = ""

    def as_admin(self, method: str, url: str, **kwargs):
        response = self.client.request(method, url, headers=self.admin, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def make_adviser(self) -> dict:
        self.client.headers.update(self.admin)
        try:
            adviser = create_adviser(self.client)
        finally:
            self.client.headers.pop("Authorization")
        self.adviser = adviser
        token = make_token(self.session, "adviser", adviser_id=adviser["id"], now=self.clock())
        self.csrf = sign_in(self.client, token)
        return adviser

    def api(self, method: str, url: str, body: dict | None = None):
        """What the page's JavaScript sends: the cookie and the CSRF header."""
        return self.client.request(method, url, json=body, headers={"X-CSRF-Token": self.csrf})

    def available(self) -> None:
        answer = self.api(
            "PUT", f"/advisers/{self.adviser['id']}/presence", {"presence": "available"}
        )
        assert answer.status_code == 200, answer.text

    def incoming(self) -> dict:
        return self.as_admin(
            "POST", "/calls", json={"line": "stress", "received_at": iso(self.clock())}
        )

    def act(self, call_id: str, verb: str, **body) -> dict:
        answer = self.api(
            "POST", f"/calls/{call_id}/{verb}", {"adviser_id": self.adviser["id"]} | body
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def page(self, path: str = "/web/desk") -> str:
        answer = self.client.get(path, follow_redirects=False)
        assert answer.status_code == 200, answer.text
        return answer.text

    def panel(self, name: str) -> str:
        return self.page(f"/web/desk/panel/{name}")


@pytest.fixture
def desk(client, session, clock) -> DeskBrowser:
    return DeskBrowser(client, session, clock)


def test_the_desk_needs_a_session(desk):
    for path in ("/web/desk", "/web/desk/panel/offer"):
        answer = desk.client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/web/signin?next=/web/desk")


def test_a_person_without_an_adviser_record_gets_403(desk, session, clock):
    # A supervisor signed in through OpenID Connect may have no adviser record.
    secret, _ = sessions.start(
        session=session,
        settings=get_settings(),
        principal=Principal(role=Role.supervisor, adviser_id=None, subject="oidc-sub"),
        now=clock(),
    )
    desk.client.cookies.set("hotline_session", secret)
    for path in ("/web/desk", "/web/desk/panel/call"):
        answer = desk.client.get(path, follow_redirects=False)
        assert answer.status_code == 403
        assert "Din rolle giver ikke adgang" in answer.text


def test_an_idle_desk_shows_presence_lines_and_empty_panels(desk):
    adviser = desk.make_adviser()
    page = desk.page()
    assert 'id="presence-now"' in page and 'data-presence="offline"' in page
    assert "Stress" in page  # the line served, by its label
    assert 'id="no-offer"' in page and 'id="no-call"' in page
    assert "Du har ingen åbne opgaver." in page and "Du har ingen åbne sager." in page
    assert f'"adviser_id": "{adviser["id"]}"' in page
    assert '<script src="/static/desk.js" defer></script>' in page


def test_an_offered_call_shows_with_its_countdown_and_buttons(desk):
    desk.make_adviser()
    desk.available()
    assert 'id="no-offer"' in desk.panel("offer")
    call = desk.incoming()
    assert call["status"] == "assigned" and call["adviser_id"] == desk.adviser["id"]
    for shown in (desk.page(), desk.panel("offer")):
        assert f'id="offer-{call["id"]}"' in shown
        assert 'data-action="accept"' in shown and 'data-action="reject"' in shown
        timeout = get_settings().offer_timeout_s
        assert f'data-countdown="{int(timeout)}"' in shown
        assert "Ingen tidligere henvendelser fundet." in shown
        assert 'id="no-offer"' not in shown
    assert 'data-presence="offered"' in desk.panel("presence")

    desk.clock.advance(5)
    assert f'data-countdown="{int(timeout) - 5}"' in desk.panel("offer")


def test_a_repeat_caller_is_shown_on_the_offer(desk):
    desk.make_adviser()
    number = {"callback_requested": True, "callback_phone": "+45 22 34 56 78"}
    earlier = closed_call(received_at=desk.clock() - timedelta(days=3), **number)
    desk.as_admin("POST", "/calls", json=earlier)
    desk.available()
    call = desk.as_admin(
        "POST", "/calls", json={"line": "stress", "received_at": iso(desk.clock())} | number
    )
    assert call["related"]["calls"], call["related"]
    offer = desk.panel("offer")
    assert f'id="offer-{call["id"]}"' in offer
    assert "Har henvendt sig før" in offer and "Tidligere opkald (90 dage): 1" in offer
    assert "Ingen tidligere henvendelser fundet." not in offer


def test_a_break_with_its_reason_and_one_asked_for_during_a_call(desk):
    adviser = desk.make_adviser()
    answer = desk.api(
        "PUT", f"/advisers/{adviser['id']}/presence", {"presence": "break", "reason": "frokost"}
    )
    assert answer.status_code == 200, answer.text
    panel = desk.panel("presence")
    assert 'data-presence="break"' in panel and "Årsag: frokost" in panel
    assert 'id="presence-break" class="secondary" aria-pressed="true"' in panel

    desk.available()
    call = desk.incoming()
    desk.act(call["id"], "accept")
    desk.api("PUT", f"/advisers/{adviser['id']}/presence", {"presence": "break"})
    panel = desk.panel("presence")
    assert 'data-presence="on_call"' in panel
    assert "Når samtalen er lukket, bliver du sat til: Pause." in panel


def test_the_panels_follow_the_call_from_offer_to_close(desk):
    desk.make_adviser()
    desk.available()
    call = desk.incoming()
    desk.act(call["id"], "accept")
    assert 'id="no-offer"' in desk.panel("offer")
    in_hand = desk.panel("call")
    assert f'id="call-{call["id"]}"' in in_hand
    assert 'data-action="hold"' in in_hand and 'data-action="end"' in in_hand
    assert 'data-action="resume"' not in in_hand

    held = desk.act(call["id"], "hold")
    in_hand = desk.panel("call")
    assert 'data-action="resume"' in in_hand and 'data-action="hold"' not in in_hand
    # The page acts on the call as it shows it (If-Match).
    assert f'data-etag=""{call["id"]}-{held["version"]}""' in html.unescape(in_hand)
    desk.act(call["id"], "resume")
    desk.act(call["id"], "end")
    wrap_up = desk.panel("call")
    assert f'id="wrapup-{call["id"]}"' in wrap_up
    assert 'data-presence="wrap_up"' in desk.panel("presence")

    closed = desk.act(call["id"], "close", **CLASSIFICATION)
    assert closed["status"] == "closed"
    assert 'id="no-call"' in desk.panel("call")


def test_the_wrap_up_form_lists_the_code_lists_with_labels(desk):
    desk.make_adviser()
    desk.available()
    call = desk.incoming()
    desk.act(call["id"], "accept")
    desk.act(call["id"], "end")
    form = desk.panel("call")
    taxonomy = desk.as_admin("GET", "/taxonomy")
    prefix = f"wrapup-{call['id']}"
    for field in ("caller_type", "sector", "workplace_size", "notes"):
        assert f'<label for="{prefix}-{field}">' in form
        assert f'id="{prefix}-{field}"' in form
    for list_name, field in (
        ("caller_type", "caller_type"),
        ("sector", "sector"),
        ("issue_category", "issue_categories"),
        ("advice_type", "advice"),
    ):
        active = [entry for entry in taxonomy[list_name] if entry["active"]]
        assert active
        for entry in active:
            assert f'value="{entry["code"]}"' in form, (list_name, entry["code"])
            assert html.escape(entry["label_da"], quote=False) in form, entry["label_da"]
        if field in ("issue_categories", "advice"):
            boxes = re.findall(rf'<label class="check"><input type="checkbox" name="{field}"', form)
            assert len(boxes) == len(active)
    assert "<legend>Emner</legend>" in form and "<legend>Givet rådgivning</legend>" in form


def test_the_wrap_up_form_keeps_what_is_recorded_already(desk):
    desk.make_adviser()
    desk.available()
    call = desk.incoming()
    desk.act(call["id"], "accept")
    desk.act(call["id"], "end")
    desk.as_admin(
        "PATCH", f"/calls/{call['id']}", json={"caller_type": "manager", "notes": "Ring <igen>"}
    )
    reads = select(AuditEvent).where(
        AuditEvent.action == "call.read",
        AuditEvent.object_id == call["id"],
        AuditEvent.adviser_id == uuid.UUID(desk.adviser["id"]),
    )
    before = len(desk.session.exec(reads).all())
    desk.panel("offer")  # shows no notes: nothing on record
    assert len(desk.session.exec(reads).all()) == before
    form = desk.panel("call")
    assert '<option value="manager" selected>' in form
    assert "Ring &lt;igen&gt;</textarea>" in form
    # The notes were shown to the adviser: on record, as the API's reads are.
    assert len(desk.session.exec(reads).all()) == before + 1


def test_my_tasks_and_my_open_cases(desk):
    adviser = desk.make_adviser()
    mine = desk.as_admin(
        "POST",
        "/cases",
        json={"line": "stress", "title": "Trusler på et bosted", "owner_adviser_id": adviser["id"]},
    )
    other = desk.as_admin("POST", "/cases", json={"line": "stress", "title": "En andens sag"})
    due = desk.clock() + timedelta(days=2)
    desk.as_admin(
        "POST",
        f"/cases/{mine['id']}/tasks",
        json={
            "kind": "send_material",
            "due_at": iso(due),
            "assignee_adviser_id": adviser["id"],
            "note": "Send vejledningen",
        },
    )
    cases = desk.panel("cases")
    assert mine["reference"] in cases and "Trusler på et bosted" in cases
    assert other["reference"] not in cases
    tasks = desk.panel("tasks")
    assert mine["reference"] in tasks and "Send vejledningen" in tasks


def test_danish_by_default_and_english_by_the_language_cookie(desk):
    desk.make_adviser()
    danish = desk.page()
    assert '<html lang="da">' in danish and "<h1>Min desk</h1>" in danish
    assert "Klar til opkald" in danish
    desk.client.cookies.set("hotline_lang", "en")
    english = desk.page()
    assert '<html lang="en">' in english and "<h1>My desk</h1>" in english
    assert "Available" in english and "Klar til opkald" not in english
    assert "Take a break" in desk.panel("presence")


def test_an_unknown_panel_is_404(desk):
    desk.make_adviser()
    assert desk.client.get("/web/desk/panel/nothing").status_code == 404


def _template_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*TEMPLATES.glob("desk*.html"), *TEMPLATES.glob("desk/*.html")]:
        source = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", source))
        # Keys made of a prefix and a value: every value they may take.
        for prefix in re.findall(r"""\bt\(\s*["']([a-z0-9_.]+\.)["']\s*~""", source):
            keys.discard(prefix)
            keys |= {prefix + value for value in DYNAMIC[prefix]}
    return keys


DYNAMIC = {
    "desk.presence.": [p.value for p in Presence],
    "desk.status.": [s.value for s in CallStatus],
    "desk.case_status.": [s.value for s in CaseStatus],
    "desk.call.direction.": [d.value for d in Direction],
    "desk.call.language.": ["da", "en"],
}


def test_every_text_of_the_desk_is_in_both_languages():
    keys = _template_keys() | set(desk_pages.SCRIPT_TEXTS)
    assert len(keys) > 60
    texts = catalogue()
    missing = sorted(key for key in keys if key not in texts)
    assert missing == []
    for key in keys:
        for language in LANGUAGES:
            assert texts[key].get(language), (key, language)
    # ...and the desk's catalogue holds nothing the desk does not use.
    own = {key for key in texts if key.startswith("desk.")}
    assert own - keys == set()

"""The supervisor's wallboard: who may see it, and that it shows the queues, the advisers'
presence and today's service level as the reports count it."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from service.advisers.models import Presence
from service.config import get_settings
from service.web.board_pages import today_start
from service.web.i18n import catalogue
from tests.factories import create_adviser, create_call, iso, make_token
from tests.web.test_signin import sign_in

TEMPLATES = Path(__file__).parents[2] / "service" / "web" / "templates"
KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")


class Cells(HTMLParser):
    """Each element's text by its data-figure, within rows by data-line, and the rows'
    data-presence attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.line: str | None = None
        self.figure: str | None = None
        self.figures: dict[tuple[str | None, str], str] = {}
        self.presences: list[str] = []
        self.rows: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "tr":
            self.line = found.get("data-line")
            if "data-presence" in found:
                self.presences.append(found["data-presence"])
        if "data-figure" in found:
            self.figure = found["data-figure"]
            self.figures[(self.line, self.figure)] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self.figure = None

    def handle_data(self, data):
        if self.figure is not None:
            key = (self.line, self.figure)
            self.figures[key] = (self.figures[key] + data).strip()


@pytest.fixture
def as_person(client, session, clock):
    """`as_person(role)`: the client signed in through the sign-in page as a new person of
    `role`, with no bearer token left. Returns the admin's headers for setting things up."""

    def sign_in_as(role: str) -> dict[str, str]:
        admin = {"Authorization": client.headers["Authorization"]}
        token = make_token(session, role, now=clock())
        client.headers.pop("Authorization")
        assert sign_in(client, token).status_code == 303
        return admin

    return sign_in_as


def test_without_a_session_the_wallboard_sends_the_browser_to_sign_in(client):
    client.headers.pop("Authorization")
    for path in ("/web/wallboard", "/web/wallboard/panel"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/web/signin?next={path}"


def test_an_adviser_is_refused_the_wallboard(client, session, clock):
    adviser = create_adviser(client)
    token = make_token(session, "adviser", adviser_id=adviser["id"], now=clock())
    client.headers.pop("Authorization")
    sign_in(client, token)
    for path in ("/web/wallboard", "/web/wallboard/panel"):
        answer = client.get(path)
        assert answer.status_code == 403
        assert "Din rolle giver ikke adgang" in answer.text


def test_the_wallboard_shows_a_waiting_call_its_line_and_an_available_adviser(
    client, as_person, clock
):
    # The adviser serves `managers` only, so the call on `stress` stays in the queue.
    adviser = create_adviser(client, name="Karen Blixen", lines=["managers"])
    put = client.put(f"/advisers/{adviser['id']}/presence", json={"presence": "available"})
    assert put.status_code == 200
    clock.advance(1)
    create_call(client, {"line": "stress", "received_at": iso(clock() - timedelta(seconds=65))})
    as_person("supervisor")
    page = client.get("/web/wallboard")
    assert page.status_code == 200
    assert 'hx-get="/web/wallboard/panel"' in page.text
    cells = Cells()
    cells.feed(page.text)
    assert cells.figures[("stress", "waiting")] == "1"
    assert cells.figures[("managers", "waiting")] == "0"
    # 65 s before the call was recorded, 1 s after the clock was moved: 1:05.
    assert cells.figures[("stress", "longest_wait_s")] == "1:05"
    assert "Karen Blixen" in page.text
    assert "available" in cells.presences
    assert "Ledig" in page.text  # Danish by default
    # The poll's fragment carries the same figures without the page around it.
    panel = client.get("/web/wallboard/panel")
    assert panel.status_code == 200
    assert "<html" not in panel.text
    fragment = Cells()
    fragment.feed(panel.text)
    assert fragment.figures[("stress", "waiting")] == "1"


def test_the_service_level_so_far_today_counts_today_s_calls_only(client, as_person, clock):
    now = clock()
    # Today (Copenhagen): answered after 5 s (within), after 40 s (not), one hung up after 30 s.
    for wait in (5, 40):
        received = now - timedelta(minutes=10)
        create_call(
            client,
            {
                "line": "stress",
                "received_at": iso(received),
                "answered_at": iso(received + timedelta(seconds=wait)),
                "ended_at": iso(received + timedelta(seconds=wait + 60)),
            },
        )
    received = now - timedelta(minutes=5)
    create_call(
        client,
        {
            "line": "managers",
            "received_at": iso(received),
            "ended_at": iso(received + timedelta(seconds=30)),
        },
    )
    # Two days ago: not today's.
    old = now - timedelta(days=2)
    create_call(
        client,
        {
            "line": "stress",
            "received_at": iso(old),
            "answered_at": iso(old + timedelta(seconds=1)),
            "ended_at": iso(old + timedelta(seconds=60)),
        },
    )
    if today_start(now, get_settings()) > now - timedelta(minutes=10):
        pytest.skip("too close after local midnight for calls ten minutes back to be today's")
    as_person("supervisor")
    client.cookies.set("hotline_lang", "en")
    answer = client.get("/web/wallboard")
    cells = Cells()
    cells.feed(answer.text)
    # 1 within 20 s of 2 answered + 1 abandoned after 20 s: 33.3 %.
    assert cells.figures[(None, "received")] == "3"
    assert cells.figures[(None, "answered")] == "2"
    assert cells.figures[("stress", "service_level")] == "50.0 %"
    assert cells.figures[("managers", "service_level")] == "0.0 %"
    assert "33.3 %" in answer.text
    assert "Available" in answer.text  # English with the language cookie


def test_every_key_the_wallboard_uses_exists_in_both_languages():
    keys = set()
    for template in TEMPLATES.glob("wallboard*.html"):
        keys |= set(_keys(template.read_text(encoding="utf-8")))
    keys |= {f"wallboard.presence.{p}" for p in _presences()}
    assert keys
    texts = catalogue()
    for key in keys:
        assert key in texts, key
        assert texts[key].get("da") and texts[key].get("en"), key


def _keys(text: str) -> list[str]:
    # A key ending in a dot is a prefix the template completes (`"wallboard.presence." ~ p`).
    return [k for k in KEY.findall(text) if not k.endswith(".")]


def _presences() -> list[str]:
    return [str(p) for p in Presence]

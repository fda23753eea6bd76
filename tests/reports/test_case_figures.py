"""The weekly report's case figures, each computed by hand from cases with exactly known times.

2026-W44 runs Monday 26 October 2026 00:00 CET (2026-10-25 23:00 UTC) to Monday 2 November
00:00 CET (2026-11-01 23:00 UTC); summer time ended the Sunday before, 25 October at 01:00
UTC, so W43 (from 2026-10-18 22:00 UTC) has 169 hours. 2026-W53 runs Monday 28 December 2026
to Sunday 3 January 2027: 2026-12-27 23:00 UTC to 2027-01-03 23:00 UTC.

Every timestamp below is UTC; ages and days to close are 24-hour periods of elapsed time.
"""

import io

import pytest
from openpyxl import load_workbook
from rich.console import Console

from service.reports import case_figures, labels
from service.reports.models import WeeklyReport
from service.reports.terminal import print_report
from tests.factories import create_case
from tests.reports_data import (
    case_history,
    case_referral,
    case_task,
    csv_rows,
    number,
    row,
    stored_call,
    utc,
    weekly,
)

approx = pytest.approx
W44 = "2026-W44"
W44_END = utc(2026, 11, 1, 23)
# Well after every week here: every first-contact window is over.
LATE = utc(2027, 3, 1, 12)


@pytest.fixture
def w44(session):
    """The cases, tasks, referrals and calls around 2026-W44; see each comment."""
    # C1 stress: opened in W43 under summer time, 2026-10-20 10:00 (12:00 CEST), closed in
    # W44 under winter time, 2026-10-27 11:00 (12:00 CET): 7 days and the hour the change
    # gave back, 7 + 1/24 = 7.041667 days. Local clocks say 7 days exactly.
    c1 = case_history(
        session,
        utc(2026, 10, 20, 10),
        (utc(2026, 10, 27, 11), "closed", "resolved_by_advice"),
    )
    # C2 stress: opened Monday 26 Oct 08:00; closed 27 Oct 08:00 (1 day) as a duplicate,
    # reopened 28 Oct 08:00, closed again 30 Oct 08:00 (4 days from opening), no further
    # contact: two closes, one reopening; the first close's outcome went with the reopening.
    c2 = case_history(
        session,
        utc(2026, 10, 26, 8),
        (utc(2026, 10, 27, 8), "closed", "duplicate"),
        (utc(2026, 10, 28, 8), "open", None),
        (utc(2026, 10, 30, 8), "closed", "no_further_contact"),
    )
    # C3 managers: opened 1 July 10:00, open: at the end 123 days 13 h old: over 90.
    c3 = case_history(session, utc(2026, 7, 1, 10), line="managers")
    # C4 stress: opened 10 Oct 10:00, waiting since 12 Oct: 22 days 13 h old: 8-30.
    c4 = case_history(session, utc(2026, 10, 10, 10), (utc(2026, 10, 12, 9), "waiting", None))
    # C5 stress: opened 25 Oct 00:30 (02:30 CEST, W43), open: 7 days 22 h 30 min old at the
    # end, 7 whole days: 0-7 (by Copenhagen dates, 25 Oct to 2 Nov, it would be 8).
    case_history(session, utc(2026, 10, 25, 0, 30))
    # C6 stress: opened 29 Oct 10:00, closed only after the week (3 Nov): open at the end,
    # 3 days 13 h old: 0-7. Its status now is closed; the timeline says it was open then.
    c6 = case_history(
        session, utc(2026, 10, 29, 10), (utc(2026, 11, 3, 9), "closed", "resolved_by_advice")
    )
    # C7 managers: opened 1 Sep, closed 1 Oct, reopened 5 Nov: closed at the end, in no count.
    case_history(
        session,
        utc(2026, 9, 1, 10),
        (utc(2026, 10, 1, 10), "closed", "resolved_by_advice"),
        (utc(2026, 11, 5, 10), "open", None),
        line="managers",
    )
    # C8 stress: opened 27 Oct 09:00, merged 28 Oct: opened, neither closed nor in the backlog.
    case_history(session, utc(2026, 10, 27, 9), (utc(2026, 10, 28, 9), "merged", None))

    # Tasks (C4's and C6's are stress, C3's managers):
    case_task(session, c4, utc(2026, 10, 28, 10), state="done", done_at=utc(2026, 10, 28, 9))
    # T1 above: due in the week, done an hour early: on time.
    case_task(session, c4, utc(2026, 10, 29, 10), state="done", done_at=utc(2026, 10, 30, 10))
    # T2: due in the week, done a day late (before the end): due, not on time, not overdue.
    case_task(session, c6, utc(2026, 10, 31, 10))
    # T3: due in the week, still open: due, and overdue at the end.
    case_task(session, c4, utc(2026, 10, 20, 10), state="done", done_at=utc(2026, 11, 3, 10))
    # T4: due the week before, done after the end: overdue at the end, not due in the week.
    case_task(session, c4, utc(2026, 10, 30, 10), state="cancelled")
    # T5: cancelled: in no count.
    case_task(session, c3, utc(2026, 11, 5, 10))
    # T6 managers: due after the week: in no count.
    case_task(session, c4, utc(2026, 10, 30, 12), added_at=utc(2026, 11, 2, 9))
    # T7: due in the week but added after it (backdated): in no count of the week.

    # Referrals: stress C4 (27 Oct, accepted), stress C1 (28 Oct, no answer yet), managers C3
    # (29 Oct, declined); C4's of 20 Oct is the week before.
    case_referral(session, c4, utc(2026, 10, 27, 12), "accepted")
    case_referral(session, c1, utc(2026, 10, 28, 12))
    case_referral(session, c3, utc(2026, 10, 29, 12), "declined")
    case_referral(session, c4, utc(2026, 10, 20, 12), "acknowledged")

    # Answered inbound calls of the week, and what came after each:
    # K1 stress 26 Oct 09:00 in C2; K2 in C2 on 10 Nov (15 days on): not resolved.
    stored_call(session, utc(2026, 10, 26, 9), case=c2)
    stored_call(session, utc(2026, 11, 10, 9), case=c2)
    # K3 stress 27 Oct 09:00 in C1; C1 called again 1 Dec (35 days on): resolved.
    stored_call(session, utc(2026, 10, 27, 9), case=c1)
    stored_call(session, utc(2026, 12, 1, 9), case=c1)
    # K4 managers 28 Oct 09:00 in C3; C3 again 20 Nov (23 days on): not resolved.
    stored_call(session, utc(2026, 10, 28, 9), line="managers", case=c3)
    stored_call(session, utc(2026, 11, 20, 9), line="managers", case=c3)
    # K5 stress 29 Oct 09:00, no case, no number: resolved.
    stored_call(session, utc(2026, 10, 29, 9))
    # K6 stress 30 Oct: hung up, not answered: not in the population.
    stored_call(session, utc(2026, 10, 30, 9), answered=False)


ALL = {
    "cases_opened": 3,  # C2, C6, C8
    "cases_closed": 3,  # C1, C2 twice
    "cases_reopened": 1,  # C2
    "backlog": 4,  # C3, C4, C5, C6
    "backlog_0_7": 2,  # C5 (7 d 22.5 h), C6 (3 d 13 h)
    "backlog_8_30": 1,  # C4
    "backlog_31_90": 0,
    "backlog_over_90": 1,  # C3
    # days to close: 1, 4, 7.041667; median rank ceil(0.5 * 3) = 2 -> 4; p90 rank 3
    "days_to_close_median": 4.0,
    "days_to_close_p90": 7.042,
    "first_contact_resolution": 0.5,  # K3, K5 of K1, K3, K4, K5
    "fcr_resolved": 2,
    "fcr_provisional": 0,
    "tasks_due": 3,  # T1, T2, T3
    "tasks_done_on_time": 1,  # T1
    "tasks_overdue": 2,  # T3, T4
    "referrals_sent": 3,  # 27, 28 and 29 Oct
}
REFERRALS_ALL = {
    "referrals_unanswered": 1,
    "referrals_acknowledged": 0,
    "referrals_accepted": 1,
    "referrals_declined": 1,
}
STRESS = ALL | {
    "backlog": 3,
    "backlog_over_90": 0,
    "first_contact_resolution": 2 / 3,  # K3, K5 of K1, K3, K5
    "tasks_due": 3,
    "referrals_sent": 2,  # C4's accepted, C1's unanswered
}
MANAGERS = {
    "cases_opened": 0,
    "cases_closed": 0,
    "cases_reopened": 0,
    "backlog": 1,
    "backlog_0_7": 0,
    "backlog_8_30": 0,
    "backlog_31_90": 0,
    "backlog_over_90": 1,
    "days_to_close_median": None,
    "days_to_close_p90": None,
    "first_contact_resolution": 0.0,  # K4 of K4
    "fcr_resolved": 0,
    "fcr_provisional": 0,
    "tasks_due": 0,
    "tasks_done_on_time": 0,
    "tasks_overdue": 0,
    "referrals_sent": 1,  # C3's declined
}


def figures_of(block: dict, names: dict) -> dict:
    return {name: block[name] for name in names}


def test_the_case_figures_of_a_week_computed_by_hand(client, clock, w44):
    clock.set(LATE)
    cases = weekly(client, W44)["cases"]
    assert figures_of(cases["totals"], ALL) == approx(ALL)
    # By state now: C4's accepted, C1's unanswered, C3's declined.
    assert figures_of(cases["totals"], REFERRALS_ALL) == REFERRALS_ALL
    assert figures_of(cases["by_line"]["stress"], STRESS) == approx(STRESS)
    assert figures_of(cases["by_line"]["managers"], MANAGERS) == approx(MANAGERS)
    # referrals by state: stress C4 accepted + C1 sent; managers C3 declined
    stress = cases["by_line"]["stress"]
    assert (stress["referrals_sent"], stress["referrals_accepted"]) == (2, 1)
    assert (stress["referrals_declined"], cases["by_line"]["managers"]["referrals_declined"]) == (
        0,
        1,
    )


def test_closes_by_outcome_count_each_close_and_put_an_undone_one_under_null(client, clock, w44):
    clock.set(LATE)
    rows = weekly(client, W44)["cases"]["totals"]["closed_by_outcome"]
    # C1 resolved by advice; C2's second close no further contact; C2's first close was
    # undone by the reopening: null. Shares over the 2 closes that keep an outcome.
    assert (row(rows, "resolved_by_advice")["count"], row(rows, "resolved_by_advice")["share"]) == (
        1,
        0.5,
    )
    assert row(rows, "no_further_contact")["count"] == 1
    assert row(rows, "duplicate")["count"] == 0  # the outcome C2's first close had
    assert (row(rows, None)["count"], row(rows, None)["label_en"]) == (1, "Reopened since")
    assert sum(r["count"] for r in rows) == ALL["cases_closed"]


def test_a_line_filter_reports_that_lines_cases_only(client, clock, w44):
    clock.set(LATE)
    cases = weekly(client, W44, line="managers")["cases"]
    assert figures_of(cases["totals"], MANAGERS) == approx(MANAGERS)
    assert list(cases["by_line"]) == ["managers"]


def test_first_contact_resolution_is_provisional_while_its_30_days_run(client, clock, w44):
    # On 15 Nov no call's 30 days are over: K3 and K5, resolved so far, are provisional.
    # K1 (its case called again 10 Nov) and K4 (its case again 20 Nov, stored already)
    # are not resolved, provisional or not.
    clock.set(utc(2026, 11, 15, 12))
    totals = weekly(client, W44)["cases"]["totals"]
    assert (totals["fcr_resolved"], totals["fcr_provisional"]) == (2, 2)
    # 26 Nov 10:00: K1's (26 Oct 09:00) and K3's (27 Oct) ... K1's 30 days ended 25 Nov
    # 09:00, K3's end 26 Nov 09:00, K4's 27 Nov, K5's 28 Nov: K5 alone is still provisional.
    clock.set(utc(2026, 11, 26, 10))
    totals = weekly(client, W44)["cases"]["totals"]
    assert (totals["fcr_resolved"], totals["fcr_provisional"]) == (2, 1)


def test_a_call_of_the_same_case_more_than_30_days_on_does_not_count(session, client, clock):
    # 2026-W44: one answered call, and its case called again 30 days later to the second
    # (within: not resolved) ... and, for a second call, 30 days and 1 s later (resolved).
    first = case_history(session, utc(2026, 10, 1, 9))
    second = case_history(session, utc(2026, 10, 1, 9))
    stored_call(session, utc(2026, 10, 27, 9), case=first)
    stored_call(session, utc(2026, 11, 26, 9), case=first)  # exactly 30 x 24 h
    stored_call(session, utc(2026, 10, 28, 9), case=second)
    stored_call(session, utc(2026, 11, 27, 9, 0, 1), case=second)  # 30 d + 1 s
    clock.set(LATE)
    totals = weekly(client, W44)["cases"]["totals"]
    assert (totals["fcr_resolved"], totals["first_contact_resolution"]) == (1, 0.5)


def test_a_later_call_from_the_same_number_is_no_repeat_contact(session, client, clock):
    # Numbers and their keys are erased 14 days after the call (retention): a figure that
    # counted them would change when retention ran. So only the case and the callback count.
    stored_call(session, utc(2026, 10, 27, 9), number_key="k-1")
    stored_call(session, utc(2026, 11, 3, 9), number_key="k-1")  # 7 days on, in the next week
    clock.set(LATE)
    totals = weekly(client, W44)["cases"]["totals"]
    assert (totals["fcr_resolved"], totals["first_contact_resolution"]) == (1, 1.0)


W53 = "2026-W53"


@pytest.fixture
def year_end(session):
    # Y1: opened Wed 30 Dec 2026 10:00, closed Sat 2 Jan 2027 10:00: 3 days, in W53.
    case_history(
        session, utc(2026, 12, 30, 10), (utc(2027, 1, 2, 10), "closed", "resolved_by_advice")
    )
    # Y2: opened 3 Jan 2027 22:30 (23:30 CET, Sunday: still W53), open.
    case_history(session, utc(2027, 1, 3, 22, 30))
    # Y3: opened 3 Jan 2027 23:00 (Monday 4 Jan 00:00 CET: 2027-W01), open.
    case_history(session, utc(2027, 1, 3, 23), line="managers")


def test_the_week_across_new_year(client, clock, year_end):
    clock.set(LATE)
    totals = weekly(client, W53)["cases"]["totals"]
    assert (totals["cases_opened"], totals["cases_closed"]) == (2, 1)  # Y1, Y2; Y1
    assert totals["days_to_close_median"] == totals["days_to_close_p90"] == 3.0
    # At 2027-01-03 23:00: Y2 is 30 minutes old (0-7); Y1 closed; Y3 not yet opened.
    assert (totals["backlog"], totals["backlog_0_7"]) == (1, 1)


def test_the_trend_shows_opened_closed_and_backlog_week_by_week(client, clock, year_end):
    clock.set(LATE)
    response = client.get("/reports/trend", params={"from": "2026-W52", "to": "2027-W01"})
    assert response.status_code == 200, response.text
    weeks = {week["week"]: week["cases"] for week in response.json()["weeks"]}
    # W52: nothing yet. W53: Y1 and Y2 opened, Y1 closed, Y2 left. W01: Y3 opened; Y2, Y3.
    shown = {w: (c["cases_opened"], c["cases_closed"], c["backlog"]) for w, c in weeks.items()}
    assert shown == {"2026-W52": (0, 0, 0), "2026-W53": (2, 1, 1), "2027-W01": (1, 0, 2)}
    assert set(weeks["2026-W53"]) == {*case_figures.TREND, "suppressed"}


def test_the_registry_names_a_count_of_the_sql_for_each_count():
    raw = case_figures.empty()
    for figure in case_figures.CASE_FIGURES:
        assert figure.formula is not None or figure.name in raw, figure.name
    tables = case_figures.tables()
    # The backlog is the sum of its bands; the referrals of their states.
    assert tables["backlog"] == (
        "backlog",
        *(f"backlog_{b}" for b in ("0_7", "8_30", "31_90")),
        "backlog_over_90",
    )
    assert tables["referrals"][0] == "referrals_sent"


def test_a_case_closed_reopened_and_closed_through_the_api_counts_each_close(client, clock):
    # The case actions write the timeline the report reads: opened Tue 27 Oct 09:00, closed
    # 09:00 next day (1 day), reopened Thu 29 Oct, closed Fri 30 Oct 21:00 (3.5 days).
    clock.set(utc(2026, 10, 27, 9))
    case = create_case(client)
    url = f"/cases/{case['id']}"
    clock.set(utc(2026, 10, 28, 9))
    closing = {"outcome": "duplicate"}
    version = client.get(url).headers["ETag"]
    closed = client.post(f"{url}/close", json=closing, headers={"If-Match": version})
    assert closed.status_code == 200, closed.text
    clock.set(utc(2026, 10, 29, 9))
    version = client.get(url).headers["ETag"]
    assert client.post(f"{url}/reopen", headers={"If-Match": version}).status_code == 200
    clock.set(utc(2026, 10, 30, 21))
    version = client.get(url).headers["ETag"]
    closing = {"outcome": "referred_elsewhere"}
    assert (
        client.post(f"{url}/close", json=closing, headers={"If-Match": version}).status_code == 200
    )
    clock.set(LATE)
    totals = weekly(client, W44)["cases"]["totals"]
    assert (totals["cases_opened"], totals["cases_closed"], totals["cases_reopened"]) == (1, 2, 1)
    assert totals["backlog"] == 0
    # days 1 and 3.5: median rank ceil(0.5 * 2) = 1 -> 1; p90 rank 2 -> 3.5
    assert (totals["days_to_close_median"], totals["days_to_close_p90"]) == (1.0, 3.5)
    outcomes = totals["closed_by_outcome"]
    assert row(outcomes, "referred_elsewhere")["count"] == row(outcomes, None)["count"] == 1
    assert row(outcomes, "duplicate")["count"] == 0


def test_publishable_withholds_a_small_case_count_and_its_complement(session, client, clock):
    # 2026-W44: six cases opened on stress, one on managers (threshold 5). managers' 1 is
    # withheld; all lines' 7 less stress's 6 would give it back, so the cheaper of the
    # two, stress's 6, is withheld too; all lines' 7 is published.
    for hour in range(6):
        case_history(session, utc(2026, 10, 27, 8 + hour))
    case_history(session, utc(2026, 10, 27, 9), line="managers")
    clock.set(LATE)
    plain = weekly(client, W44)["cases"]
    assert [plain["by_line"][line]["cases_opened"] for line in ("stress", "managers")] == [6, 1]
    cases = weekly(client, W44, publishable="true")["cases"]
    assert cases["totals"]["cases_opened"] == 7
    assert "cases_opened" not in cases["totals"]["suppressed"]
    for line in ("stress", "managers"):
        assert cases["by_line"][line]["cases_opened"] is None
        assert "cases_opened" in cases["by_line"][line]["suppressed"]
    # Zero counts are withheld too (a blank never tells 0 from a few): nothing closed.
    assert cases["totals"]["cases_closed"] is None
    assert cases["totals"]["days_to_close_median"] is None  # over fewer than 5 closes
    # The 7 cases are the backlog, all 0-7 days: managers' 1 is withheld, and so much else
    # that it does not follow from all lines' less stress's.
    backlog = [cases["totals"]["backlog"], cases["by_line"]["stress"]["backlog"]]
    assert cases["by_line"]["managers"]["backlog"] is None
    assert None in backlog
    # The managers' report withholds what the all-lines report does for managers.
    alone = weekly(client, W44, line="managers", publishable="true")["cases"]["totals"]
    assert alone["cases_opened"] is None


def test_the_csv_has_the_case_figures_of_the_json(client, clock, w44):
    clock.set(LATE)
    rows = csv_rows(client.get("/reports/weekly.csv", params={"week": W44, "language": "en"}))
    cases = {r["code"]: r for r in rows if r["dimension"] == "cases"}
    assert cases["cases_closed"]["count"] == "3"
    assert cases["cases_closed"]["label"] == "Cases closed"
    assert cases["backlog_over_90"]["count"] == "1"
    assert number(cases["first_contact_resolution"]["share"]) == 0.5
    assert number(cases["days_to_close_p90"]["value"]) == 7.042
    managers = {
        r["code"]: r for r in rows if r["dimension"] == "cases_by_line" and r["line"] == "managers"
    }
    assert managers["backlog"]["count"] == "1"
    assert managers["days_to_close_median"]["value"] == ""  # no closes
    outcomes = {r["code"]: r for r in rows if r["dimension"] == "closed_by_outcome"}
    assert (outcomes[""]["count"], outcomes[""]["label"]) == ("1", "Reopened since")
    assert outcomes["resolved_by_advice"]["share"] == "0.5"


def test_the_workbook_has_a_sheet_of_case_figures(client, clock, w44):
    clock.set(LATE)
    response = client.get("/reports/weekly.xlsx", params={"week": W44, "language": "en"})
    assert response.status_code == 200, response.text
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["Cases"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["Figure", "Code", "all lines", "stress", "managers"]
    found = {r[1]: r[2:] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert found["cases_opened"] == (3, 3, 0)
    assert found["tasks_overdue"] == (2, 2, 0)
    assert found["days_to_close_median"] == (4.0, 4.0, None)
    assert found["first_contact_resolution"] == (0.5, approx(2 / 3), 0.0)
    outcomes = {r[0]: r for r in book["Closes by outcome"].iter_rows(min_row=2, values_only=True)}
    assert outcomes["no_further_contact"][2] == 1


def test_the_workbook_marks_a_withheld_case_figure(session, client, clock):
    case_history(session, utc(2026, 10, 27, 8))
    clock.set(LATE)
    params = {"week": W44, "language": "en", "publishable": "true"}
    book = load_workbook(io.BytesIO(client.get("/reports/weekly.xlsx", params=params).content))
    found = {r[1]: r[2:] for r in book["Cases"].iter_rows(min_row=2, values_only=True)}
    assert found["cases_opened"] == (labels.WITHHELD,) * 3


def test_the_terminal_shows_the_case_figures(client, clock, w44):
    clock.set(LATE)
    report = WeeklyReport.model_validate(weekly(client, W44))
    console = Console(record=True, width=200)
    print_report(report, console, language="en")
    text = console.export_text()
    shown = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.split("\u2502")[1:-1]]
        if cells:
            shown[cells[0]] = cells[1:]
    # Columns: all lines, stress, managers.
    assert shown["Backlog"] == ["4", "3", "1"]
    assert shown["Days to close, 90th percentile"] == ["7.0 d", "7.0 d", labels.WITHHELD]
    assert shown["First-contact resolution"] == ["50.0%", "66.7%", "0.0%"]
    assert shown["-"] == ["Reopened since", "1", labels.WITHHELD]


def test_the_publishable_trend_withholds_what_the_weeks_report_does(session, client, clock):
    # As in the test above: 6 stress cases and 1 managers case opened in 2026-W44.
    for hour in range(6):
        case_history(session, utc(2026, 10, 27, 8 + hour))
    case_history(session, utc(2026, 10, 27, 9), line="managers")
    clock.set(LATE)
    report = weekly(client, W44, publishable="true")["cases"]
    for line in (None, "stress", "managers"):
        params = {"from": W44, "to": W44, "publishable": "true"} | ({"line": line} if line else {})
        response = client.get("/reports/trend", params=params)
        assert response.status_code == 200, response.text
        (week,) = response.json()["weeks"]
        shown = report["totals"] if line is None else report["by_line"][line]
        for name in case_figures.TREND:
            assert week["cases"][name] == shown[name], (line, name)
    # All lines' 7 published; each line's withheld, as in the report.
    assert (report["totals"]["cases_opened"], report["by_line"]["stress"]["cases_opened"]) == (
        7,
        None,
    )

"""GET /taxonomy: every code list, complete, ordered, with labels and the active flag."""

import pytest
from sqlalchemy import update

from service.taxonomy.models import AdviceType, CallerType, IssueCategory, Line, Sector
from tests.factories import deactivate

LISTS = (
    *("line", "caller_type", "sector", "issue_category", "advice_type"),
    *("case_outcome", "task_kind"),
)

CODES = {
    "line": ["stress", "managers"],
    "caller_type": [
        *("employee", "manager", "safety_rep", "union_rep", "employer"),
        *("hr", "ohs_consultant", "colleague", "relative", "other"),
    ],
    "sector": [
        *("agriculture", "mining", "manufacturing", "energy", "water_waste", "construction"),
        *("trade", "transport", "hospitality", "information", "finance", "real_estate"),
        *("professional", "admin_support", "public_admin", "education", "health_social"),
        *("culture", "other_services", "households", "extraterritorial"),
    ],
    "issue_category": [
        *("workload", "unclear_demands", "emotional_demands", "offensive_behaviour"),
        *("violence", "moral_stress", "organisation_change", "management_cooperation"),
        *("working_hours", "return_to_work", "own_stress", "prevention_general", "other"),
    ],
    "advice_type": [
        *("rules", "at_guidance", "bfa", "apv", "involve_representatives"),
        *("authorised_adviser", "union_or_employer_org", "doctor_psychologist"),
        *("occupational_medicine", "injury_report", "inspection_tip", "callback", "other"),
    ],
    "case_outcome": [
        *("resolved_by_advice", "referred_to_inspection", "referred_elsewhere"),
        *("no_further_contact", "duplicate"),
    ],
    "task_kind": ["callback", "send_material", "check_with_inspection", "other"],
}


@pytest.fixture
def taxonomy(client):
    response = client.get("/taxonomy")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_every_list_is_present_and_nothing_else(taxonomy):
    assert set(taxonomy) == set(LISTS)


@pytest.mark.parametrize("name", LISTS)
def test_each_list_holds_exactly_the_seeded_codes_in_order(taxonomy, name):
    codes = [entry["code"] for entry in taxonomy[name]]
    assert codes == CODES[name]


def test_list_sizes(taxonomy):
    sizes = {name: len(entries) for name, entries in taxonomy.items()}
    assert sizes == {
        "line": 2,
        "caller_type": 10,
        "sector": 21,
        "issue_category": 13,
        "advice_type": 13,
        "case_outcome": 5,
        "task_kind": 4,
    }


@pytest.mark.parametrize("name", LISTS)
def test_entries_carry_labels_active_flag_and_sort_order(taxonomy, name):
    for entry in taxonomy[name]:
        keys = {"code", "label_da", "label_en", "active", "sort_order"}
        if name == "sector":
            keys.add("nace_section")
        assert set(entry) == keys, entry
        assert entry["label_da"].strip() and entry["label_en"].strip(), entry
        assert entry["active"] is True
        assert isinstance(entry["sort_order"], int)
    orders = [entry["sort_order"] for entry in taxonomy[name]]
    assert orders == sorted(orders)
    assert len(set(orders)) == len(orders)


def test_sectors_follow_the_nace_sections_a_to_u(taxonomy):
    letters = [entry["nace_section"] for entry in taxonomy["sector"]]
    assert letters == [chr(code) for code in range(ord("A"), ord("U") + 1)]


def test_labels_are_in_danish_and_english(taxonomy):
    lines = {entry["code"]: entry for entry in taxonomy["line"]}
    assert lines["stress"]["label_da"] == "Stresslinjen"
    assert lines["managers"]["label_en"] == "Managers' hotline"
    health = next(entry for entry in taxonomy["sector"] if entry["code"] == "health_social")
    assert (health["nace_section"], health["label_da"]) == ("Q", "Sundhed og socialvæsen")


@pytest.mark.parametrize(
    ("name", "model", "code"),
    [
        ("line", Line, "managers"),
        ("caller_type", CallerType, "relative"),
        ("sector", Sector, "mining"),
        ("issue_category", IssueCategory, "moral_stress"),
        ("advice_type", AdviceType, "inspection_tip"),
    ],
)
def test_a_retired_code_is_still_listed_as_inactive(client, session, name, model, code):
    deactivate(session, model, code)
    taxonomy = client.get("/taxonomy").json()
    assert [entry["code"] for entry in taxonomy[name]] == CODES[name]
    flags = {entry["code"]: entry["active"] for entry in taxonomy[name]}
    assert flags.pop(code) is False
    assert all(flags.values())
    others = [entry["active"] for other in LISTS if other != name for entry in taxonomy[other]]
    assert all(others)


def test_lists_are_ordered_by_sort_order_not_by_code_or_insertion(client, session):
    session.exec(update(IssueCategory).where(IssueCategory.code == "other").values(sort_order=1))
    session.exec(update(Line).where(Line.code == "stress").values(sort_order=999))
    session.commit()
    taxonomy = client.get("/taxonomy").json()
    categories = [entry["code"] for entry in taxonomy["issue_category"]]
    assert categories == ["other", *CODES["issue_category"][:-1]]
    assert [entry["code"] for entry in taxonomy["line"]] == ["managers", "stress"]

"""Seed the code lists: lines, caller types, DB07 sectors, issue categories, advice types.

The data is frozen here on purpose: a later change to a list is a new migration, so every
database that is at a revision holds the same codes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINES = [
    ("stress", "Stresslinjen", "Stress hotline"),
    ("managers", "Lederhotlinen", "Managers' hotline"),
]

CALLER_TYPES = [
    ("employee", "Medarbejder", "Employee"),
    ("manager", "Leder", "Manager"),
    ("safety_rep", "Arbejdsmiljørepræsentant", "Safety representative"),
    ("union_rep", "Tillidsrepræsentant", "Union representative"),
    ("employer", "Arbejdsgiver / ejer", "Employer / owner"),
    ("hr", "HR", "HR"),
    ("ohs_consultant", "Arbejdsmiljørådgiver", "Occupational health and safety consultant"),
    ("colleague", "Kollega / vidne", "Colleague / witness"),
    ("relative", "Pårørende", "Relative"),
    ("other", "Andet", "Other"),
]

# The 21 sections of DB07 (NACE Rev. 2); the letter is kept apart from the code.
SECTORS = [
    (
        "agriculture",
        "A",
        "Landbrug, jagt, skovbrug og fiskeri",
        "Agriculture, forestry and fishing",
    ),
    ("mining", "B", "Råstofindvinding", "Mining and quarrying"),
    ("manufacturing", "C", "Fremstillingsvirksomhed", "Manufacturing"),
    (
        "energy",
        "D",
        "Forsyning med elektricitet, gas, damp og varme",
        "Electricity, gas, steam and air conditioning supply",
    ),
    (
        "water_waste",
        "E",
        "Vandforsyning, kloakvæsen, affaldshåndtering og rensning af jord og grundvand",
        "Water supply, sewerage, waste management and remediation",
    ),
    ("construction", "F", "Bygge og anlæg", "Construction"),
    (
        "trade",
        "G",
        "Engroshandel og detailhandel; reparation af motorkøretøjer og motorcykler",
        "Wholesale and retail trade; repair of motor vehicles and motorcycles",
    ),
    ("transport", "H", "Transport og godshåndtering", "Transportation and storage"),
    (
        "hospitality",
        "I",
        "Overnatningsfaciliteter og restaurationsvirksomhed",
        "Accommodation and food service activities",
    ),
    ("information", "J", "Information og kommunikation", "Information and communication"),
    (
        "finance",
        "K",
        "Finansierings- og forsikringsvirksomhed",
        "Financial and insurance activities",
    ),
    ("real_estate", "L", "Fast ejendom", "Real estate activities"),
    (
        "professional",
        "M",
        "Liberale, videnskabelige og tekniske tjenesteydelser",
        "Professional, scientific and technical activities",
    ),
    (
        "admin_support",
        "N",
        "Administrative tjenesteydelser og hjælpetjenester",
        "Administrative and support service activities",
    ),
    (
        "public_admin",
        "O",
        "Offentlig administration, forsvar og socialsikring",
        "Public administration and defence; compulsory social security",
    ),
    ("education", "P", "Undervisning", "Education"),
    ("health_social", "Q", "Sundhed og socialvæsen", "Human health and social work activities"),
    ("culture", "R", "Kultur, forlystelser og sport", "Arts, entertainment and recreation"),
    ("other_services", "S", "Andre serviceydelser", "Other service activities"),
    (
        "households",
        "T",
        "Private husholdninger med ansat medhjælp",
        "Activities of households as employers",
    ),
    (
        "extraterritorial",
        "U",
        "Ekstraterritoriale organisationer og organer",
        "Activities of extraterritorial organisations and bodies",
    ),
]

# The risk factors of the executive order on the psychosocial working environment, and the
# other common reasons to call.
ISSUE_CATEGORIES = [
    ("workload", "Stor arbejdsmængde og tidspres", "High workload and time pressure"),
    ("unclear_demands", "Uklare og modstridende krav", "Unclear and contradictory demands"),
    ("emotional_demands", "Høje følelsesmæssige krav", "High emotional demands"),
    (
        "offensive_behaviour",
        "Krænkende handlinger, mobning, seksuel chikane",
        "Offensive behaviour, bullying, sexual harassment",
    ),
    ("violence", "Vold og trusler", "Violence and threats"),
    ("moral_stress", "Moralsk stress", "Moral stress"),
    ("organisation_change", "Organisationsændringer", "Organisational change"),
    ("management_cooperation", "Ledelse og samarbejde", "Management and cooperation"),
    ("working_hours", "Arbejdstid", "Working hours"),
    ("return_to_work", "Tilbagevenden efter sygemelding", "Return to work after sick leave"),
    ("own_stress", "Egen stress", "Own stress"),
    (
        "prevention_general",
        "Forebyggelse generelt, APV",
        "Prevention in general, workplace assessment (APV)",
    ),
    ("other", "Andet", "Other"),
]

ADVICE_TYPES = [
    ("rules", "Vejledning om regler", "Guidance on the rules"),
    (
        "at_guidance",
        "Henvisning til vejledning og materialer",
        "Referral to guidance and materials",
    ),
    (
        "bfa",
        "Henvisning til branchefællesskab",
        "Referral to the sector's working environment body",
    ),
    (
        "apv",
        "Vejledning om APV og arbejdsmiljøorganisation",
        "Guidance on workplace assessment and the OHS organisation",
    ),
    (
        "involve_representatives",
        "Inddrag AMR/TR/ledelse",
        "Involve safety rep, union rep or management",
    ),
    (
        "authorised_adviser",
        "Autoriseret arbejdsmiljørådgiver",
        "Authorised occupational health and safety adviser",
    ),
    (
        "union_or_employer_org",
        "Faglig organisation / arbejdsgiverorganisation",
        "Trade union / employers' organisation",
    ),
    ("doctor_psychologist", "Egen læge / psykolog", "Own doctor / psychologist"),
    ("occupational_medicine", "Arbejdsmedicinsk klinik", "Department of occupational medicine"),
    ("injury_report", "Anmeldelse af arbejdsskade", "Reporting an occupational injury"),
    ("inspection_tip", "Videregivet til tilsyn", "Passed on to inspection"),
    ("callback", "Aftalt opringning", "Callback arranged"),
    ("other", "Andet", "Other"),
]


def _code_table(name: str, *extra: sa.Column) -> sa.TableClause:
    return sa.table(
        name,
        sa.column("code", sa.String),
        sa.column("label_da", sa.String),
        sa.column("label_en", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("sort_order", sa.Integer),
        *extra,
    )


def _rows(entries: list[tuple[str, str, str]]) -> list[dict]:
    return [
        {"code": code, "label_da": da, "label_en": en, "active": True, "sort_order": i * 10}
        for i, (code, da, en) in enumerate(entries, start=1)
    ]


def upgrade() -> None:
    op.bulk_insert(_code_table("line"), _rows(LINES))
    op.bulk_insert(_code_table("caller_type"), _rows(CALLER_TYPES))
    op.bulk_insert(_code_table("issue_category"), _rows(ISSUE_CATEGORIES))
    op.bulk_insert(_code_table("advice_type"), _rows(ADVICE_TYPES))
    sectors = _rows([(code, da, en) for code, _letter, da, en in SECTORS])
    for row, (_code, letter, _da, _en) in zip(sectors, SECTORS, strict=True):
        row["nace_section"] = letter
    op.bulk_insert(_code_table("sector", sa.column("nace_section", sa.String)), sectors)


def downgrade() -> None:
    for name in ("sector", "advice_type", "issue_category", "caller_type", "line"):
        op.execute(sa.table(name).delete())

"""What a hotline week looks like: every assumption of the demo data, in one place.

These are plausible guesses for a Danish public working-environment hotline, not measured
figures. Weights are relative (they need not add up to 1).
"""

from datetime import date, time

# The lines are staffed on weekdays 08:00-15:00 Copenhagen time, except on Danish public
# holidays (the `holidays` package) and the days the authority itself is closed.
OPENS, CLOSES = time(8, 0), time(15, 0)
AUTHORITY_CLOSED = {(6, 5), (12, 24), (12, 31)}  # Constitution Day, Christmas Eve, New Year's Eve

# Busiest on Monday mornings.
WEEKDAY = {1: 1.35, 2: 1.05, 3: 1.0, 4: 0.95, 5: 0.7}
HOUR = {8: 1.3, 9: 1.6, 10: 1.4, 11: 1.1, 12: 0.8, 13: 0.9, 14: 0.7}

LINE = {"stress": 0.72, "managers": 0.28}
ENGLISH = 0.04  # calls in English

CALLER_TYPE = {
    "stress": {
        "employee": 0.62,
        "safety_rep": 0.12,
        "union_rep": 0.06,
        "colleague": 0.06,
        "relative": 0.05,
        "manager": 0.04,
        "hr": 0.02,
        "ohs_consultant": 0.02,
        "other": 0.01,
    },
    # The managers' line is mostly managers.
    "managers": {
        "manager": 0.78,
        "employer": 0.08,
        "hr": 0.07,
        "ohs_consultant": 0.04,
        "safety_rep": 0.02,
        "other": 0.01,
    },
}

# Weighted towards health and social work, education and public administration.
SECTOR = {
    "health_social": 0.30,
    "education": 0.17,
    "public_admin": 0.13,
    "trade": 0.06,
    "professional": 0.05,
    "transport": 0.04,
    "manufacturing": 0.04,
    "information": 0.04,
    "finance": 0.03,
    "hospitality": 0.03,
    "construction": 0.03,
    "admin_support": 0.03,
    "culture": 0.02,
    "other_services": 0.02,
    "agriculture": 0.005,
    "energy": 0.005,
    "water_waste": 0.005,
    "real_estate": 0.005,
    "mining": 0.001,
    "households": 0.001,
    "extraterritorial": 0.001,
}

# Workload everywhere; violence and emotional demands in health and social work (e.g. social
# educators at residential care facilities), unclear demands in work with people.
ISSUES_ANYWHERE = {
    "workload": 0.30,
    "unclear_demands": 0.10,
    "management_cooperation": 0.10,
    "organisation_change": 0.08,
    "own_stress": 0.10,
    "offensive_behaviour": 0.06,
    "working_hours": 0.05,
    "return_to_work": 0.05,
    "prevention_general": 0.05,
    "emotional_demands": 0.04,
    "moral_stress": 0.03,
    "violence": 0.02,
    "other": 0.01,
}
ISSUES_IN_SECTOR = {
    "health_social": {"violence": 0.16, "emotional_demands": 0.18, "moral_stress": 0.10},
    "education": {"emotional_demands": 0.10, "unclear_demands": 0.14, "violence": 0.05},
    "public_admin": {"unclear_demands": 0.14, "organisation_change": 0.12},
}
# How many issue categories a call is classified with.
ISSUE_COUNT = {1: 0.45, 2: 0.4, 3: 0.15}

# Advice follows the primary issue category.
ADVICE_ANYWHERE = {
    "at_guidance": 0.30,
    "apv": 0.20,
    "involve_representatives": 0.20,
    "rules": 0.12,
    "bfa": 0.08,
    "union_or_employer_org": 0.05,
    "doctor_psychologist": 0.03,
    "other": 0.02,
}
ADVICE_FOR_ISSUE = {
    "violence": {"injury_report": 0.20, "apv": 0.25, "inspection_tip": 0.05},
    "offensive_behaviour": {"involve_representatives": 0.25, "union_or_employer_org": 0.10},
    "own_stress": {"doctor_psychologist": 0.30, "occupational_medicine": 0.10},
    "return_to_work": {"doctor_psychologist": 0.10, "union_or_employer_org": 0.15},
    "prevention_general": {"apv": 0.35, "authorised_adviser": 0.10},
    "moral_stress": {"involve_representatives": 0.20, "at_guidance": 0.20},
}
ADVICE_COUNT = {1: 0.5, 2: 0.4, 3: 0.1}

WORKPLACE_SIZE = {"1-9": 0.12, "10-49": 0.27, "50-249": 0.33, "250+": 0.24, None: 0.04}
STRESS_REPORTED = {"stress": 0.62, "managers": 0.25}

# Queue and talk. Waits are log-normal (median 9 s: about 80 % answered within 20 s); a caller
# hangs up before being answered in about 7 % of calls, a third of those within 5 s.
WAIT_MEDIAN_S, WAIT_SIGMA = 9.0, 0.9
ABANDON = 0.07
SHORT_ABANDON = 0.33
RING_S = (2, 9)  # from offer to accept
TALK_MEDIAN_S, TALK_SIGMA = 690.0, 0.45  # log-normal around 12 minutes
HOLD, HOLD_S = 0.12, (20, 150)
WRAP_UP_S = (30, 200)
CALLBACK = 0.06  # answered calls closed with a callback request
TRANSFER = 0.02  # stress-line calls passed on to the managers' line

# Staffing: enough advisers per line that the peak hour stays well under full load.
STAFFING_HEADROOM = 1.7
EXPERTISE = 0.35  # share of advisers with expertise (1-2 issue categories)
BOTH_LINES = 0.3  # share of advisers who serve both lines

# Notes: short sentences an adviser might write; no names, no personal data.
NOTES = {
    "workload": [
        "Stor arbejdsmængde gennem længere tid; opgaverne bliver ikke prioriteret.",
        "Flere kolleger er stoppet, og opgaverne er ikke fordelt igen.",
        "Beskriver tidspres og overarbejde de fleste uger.",
    ],
    "unclear_demands": [
        "Modstridende krav fra ledelse og borgere; uklart hvad der skal prioriteres.",
        "Ved ikke hvad der forventes efter en ny arbejdsgang.",
    ],
    "emotional_demands": [
        "Arbejder med borgere i krise og har svært ved at lægge det fra sig.",
        "Mange tunge samtaler uden tid til at samle op bagefter.",
    ],
    "violence": [
        "Trusler fra en beboer på et bosted; ønsker vejledning om forebyggelse.",
        "Har været udsat for vold på arbejdet og spørger til anmeldelse.",
    ],
    "offensive_behaviour": [
        "Oplever krænkende adfærd fra en kollega og ved ikke hvem der skal inddrages.",
    ],
    "moral_stress": [
        "Kan ikke give den hjælp borgerne har brug for med de ressourcer der er.",
    ],
    "organisation_change": [
        "Afdelingen er lagt sammen med en anden; stor usikkerhed om opgaverne.",
    ],
    "management_cooperation": [
        "Samarbejdet med nærmeste leder er gået i stå.",
        "Leder spørger hvordan teamet kan inddrages i trivselsarbejdet.",
    ],
    "working_hours": ["Skiftende vagter og korte hviletider mellem vagterne."],
    "return_to_work": ["Vender tilbage efter sygemelding med stress og ønsker en god plan."],
    "own_stress": ["Sover dårligt og har hjertebanken; har talt med egen læge."],
    "prevention_general": ["Spørger til hvordan APV'en kan bruges om det psykiske arbejdsmiljø."],
    "other": ["Generelt spørgsmål om det psykiske arbejdsmiljø."],
}
CLOSING_NOTES = [
    "Aftalt at tage det op på næste personalemøde.",
    "Henvist til materialer om psykisk arbejdsmiljø.",
    "Ringer tilbage hvis situationen ikke bedres.",
    "",
]


def authority_closed(day: date) -> bool:
    """The authority's own closing days, on top of the public holidays."""
    return (day.month, day.day) in AUTHORITY_CLOSED


# -- cases -------------------------------------------------------------------------------
# About 12 % of answered inbound calls are part of a case: a workplace followed over days or
# weeks, on the line of its first call. An answered inbound call that no case is waiting for
# opens one with this chance; the calls a case has (the first included) follow CASE_CALLS,
# each repeat call CASE_GAP_DAYS (log-uniform) after the one before.
CASE_OPENS = 0.08
CASE_CALLS = {1: 0.55, 2: 0.25, 3: 0.11, 4: 0.06, 5: 0.03}
CASE_GAP_DAYS = (1, 28)
CASE_CVR = 0.6  # cases that know the workplace's CVR number
CASE_P_NUMBER = 0.15  # of those, the ones that know the P-number too
CASE_NAMED = 0.35  # cases that know the workplace's name and address
CASE_SUMMARY = 0.5
# A case whose last call is older than this before the range's end is settled, mostly closed.
CASE_SETTLED_DAYS = 30
CASE_STATUS_SETTLED = {"closed": 0.85, "waiting": 0.05, "open": 0.10}
CASE_STATUS_RECENT = {"closed": 0.25, "waiting": 0.20, "open": 0.55}
CASE_STATUS_DAYS = (1, 14)  # from the last call to the case's wait or close
CASE_WAITED_FIRST = 0.2  # closed cases that waited before they closed
WAITING_FOR = {"caller": 0.6, "third_party": 0.4}
CASE_OUTCOME = {
    "resolved_by_advice": 0.62,
    "referred_to_inspection": 0.1,
    "referred_elsewhere": 0.12,
    "no_further_contact": 0.13,
    "duplicate": 0.03,
}
CASE_TASKS = 0.4  # cases with follow-up tasks
TASK_COUNT = {1: 0.75, 2: 0.25}
TASK_KIND = {"callback": 0.45, "send_material": 0.3, "check_with_inspection": 0.15, "other": 0.1}
TASK_DUE_DAYS = (1, 10)
TASK_DONE_IN_LIVE_CASES = 0.4  # tasks of open or waiting cases already done
CASE_REFERRAL = 0.08  # cases referred to the inspection
REFERRAL_TO = "Arbejdstilsynet"
REFERRAL_STATUS = {"sent": 0.3, "acknowledged": 0.3, "accepted": 0.25, "declined": 0.15}
REFERRAL_ANONYMOUS = 0.3
CASE_NOTES = 0.3  # cases with notes (one or two)

CASE_TITLES = {
    "workload": ["Stort arbejdspres i afdelingen", "Uløselige opgavemængder over længere tid"],
    "unclear_demands": ["Uklare krav efter ny arbejdsgang", "Modstridende krav til medarbejderne"],
    "management_cooperation": ["Samarbejdsproblemer med ledelsen", "Trivselsarbejde i teamet"],
    "organisation_change": ["Usikkerhed efter sammenlægning", "Omorganisering uden inddragelse"],
    "own_stress": ["Stress hos medarbejder", "Sygemelding med stress"],
    "offensive_behaviour": ["Krænkende adfærd på arbejdspladsen", "Mobning i teamet"],
    "working_hours": ["Skiftende vagter og korte hviletider"],
    "return_to_work": ["Tilbagevenden efter sygemelding"],
    "prevention_general": ["Forebyggelse af psykisk arbejdsmiljø", "APV om psykisk arbejdsmiljø"],
    "emotional_demands": ["Høje følelsesmæssige krav", "Tunge samtaler uden opsamling"],
    "moral_stress": ["Etisk stress i arbejdet med borgere"],
    "violence": ["Trusler fra en beboer på et bosted", "Vold og trusler på arbejdspladsen"],
    "other": ["Spørgsmål om psykisk arbejdsmiljø"],
}
TASK_NOTES = {
    "callback": ["Ring tilbage og hør hvordan mødet med lederen gik.", "Følg op på aftalen."],
    "send_material": ["Send vejledningen om psykisk arbejdsmiljø.", "Send materiale om APV."],
    "check_with_inspection": [
        "Afklar med tilsynet om sagen er kendt.",
        "Spørg tilsynet om de har fået et tip.",
    ],
    "other": ["Find kontakt til arbejdsmiljørådgiver.", "Undersøg reglerne for hviletid."],
}
REFERRAL_REASONS = [
    "Gentagne henvendelser om vold og trusler; arbejdsgiveren har ikke reageret.",
    "Vedvarende stort arbejdspres uden handling fra ledelsen.",
    "Krænkende adfærd som ledelsen ikke tager hånd om.",
]
CASE_NOTE_BODIES = [
    "Arbejdsmiljørepræsentanten er orienteret.",
    "Kalderen vender tilbage efter næste personalemøde.",
    "Ledelsen har fået materialet og vil tage det op i MED-udvalget.",
    "Aftalt at følge op om to uger.",
]

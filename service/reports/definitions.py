"""What every figure of the report means: the registry's definitions, and the report's other
terms, with the thresholds in force."""

from service.config import Settings
from service.reports import case_figures, figures
from service.reports.models import CLOSED_BY_OUTCOME


def definitions(settings: Settings) -> dict[str, str]:
    """What every figure means, with the thresholds in force."""
    short, threshold = settings.short_abandon_s, settings.service_level_threshold_s
    means = figures.named("seconds")
    over_ended = [f.name for f in figures.FIGURES if f.disclosure == figures.OVER_HANDLED]
    return {
        "week": f"ISO week, Monday 00:00 to Monday 00:00 in {settings.timezone}.",
        "wait": "From received_at to answered_at; for a call never answered, to ended_at.",
        **{
            figure.name: figure.describe(short=short, threshold=threshold)
            for figure in figures.FIGURES
        },
        "breakdowns": "Population: answered calls. share = count ÷ calls with that field "
        "recorded; "
        "the row with code null counts answered calls without it (share null). A call counts "
        "once for each of its issue categories and advice types, so those shares can add up "
        "to more than 1; primary_issue_category counts the first category only.",
        "stress_reported_share": "Population: received calls that are closed. Those where the "
        "caller reported stress symptoms ÷ all of them.",
        "by_adviser": "One row per adviser with a figure in the week; with line=, per adviser "
        "with a figure of that line. A leg is one adviser's turn with a call: from accepted "
        "to the transferred or ended next in the journal; a transferred call has a leg for "
        "each adviser who accepted it, and its wrap-up goes with the leg that ended it. "
        "Legs count in the week they were accepted, their time cut at the week's end (and "
        "now). With line=, every adviser figure except logged_in_s is of that line: a leg, "
        "its wrap-up and a missed offer on the line the call was on then, calls_answered on "
        "the line the call ended on. Calls recorded after the fact have no legs: they count "
        "in calls_answered only.",
        "by_adviser.calls_answered": "The report's answered calls (as totals.answered counts "
        "them) that the adviser answered first (the first accepted in the journal; for a call "
        "recorded after the fact, the adviser recorded on it). Summed over advisers: "
        "totals.answered less the calls recorded after the fact without an adviser.",
        "by_adviser.legs_answered": "Legs the adviser accepted in the week, inbound and "
        "outbound: a transferred call is one leg for each adviser who accepted it.",
        "by_adviser.callbacks_answered": "Of legs_answered, the legs of outbound calls "
        "(callbacks).",
        "by_adviser.answered": "The same as legs_answered (legs, not calls), kept for older "
        "clients.",
        "by_adviser.mean_handle_s": "Mean handle time of the adviser's legs of inbound calls "
        "that were transferred or ended: accepted to transferred or ended, hold included, + "
        "the measured wrap-up where the leg ended the call. A call's handle time (aht_s) is "
        "the sum of its legs'.",
        "by_adviser.offers_missed": "Offers to the adviser that timed out in the week.",
        "by_adviser.on_call_s": "Seconds in the adviser's legs; two calls at once count twice.",
        "by_adviser.wrap_up_s": "Seconds from ended to closed (or now) of the calls the "
        "adviser ended.",
        "by_adviser.logged_in_s": "Desk-wide, on every line even with line=: seconds in the "
        "week (up to now) shown on_call, wrap_up, offered or available in the presence "
        "history, which is not per line.",
        "by_adviser.occupancy": "(on_call_s + wrap_up_s) ÷ logged_in_s: the share of the "
        "adviser's desk-wide logged-in time spent on calls (of the line, with line=), so the "
        "lines' occupancies add up to the desk's.",
        "arrivals_by_hour": "Population: received calls. Per local weekday (Monday first) "
        "and hour 0-23 of received_at; the hour a change to winter time repeats counts once "
        "with both its halves.",
        "staffing": f"Advisers needed per local weekday and hour to answer "
        f"{settings.service_level_target:.0%} within {threshold:g} s by Erlang C, from that "
        "hour's arrivals and the week's aht_s; occupancy = traffic ÷ advisers.",
        "cases": "Case figures (the `cases` block), for the report's scope and per line in "
        "cases.by_line: a case's line is its case_file's line, a task's and a referral's "
        "their case's (a merged case's tasks and referrals count on the case they were "
        "merged into); first_contact_resolution is of calls, on the line each call ended "
        "on, as the totals are. The week's end is its end instant (Monday 00:00 in "
        f"{settings.timezone}); days and ages are elapsed 24-hour periods, not calendar "
        "days, so a week with a daylight saving change has no longer or shorter day. A "
        "report of a past week reads each case's timeline (case_event) for its status "
        "then; outcomes and referral states are as they stand now.",
        **{figure.name: figure.describe() for figure in case_figures.CASE_FIGURES},
        "closed_by_outcome": f"Population: closes in the week. {CLOSED_BY_OUTCOME} A case "
        "keeps the outcome of its last close only, so a close a reopening undid has none.",
        "previous_week": "The same totals for the week before, withheld as that week's own "
        "report withholds them; change = this week - that week (counts as whole numbers), "
        "null where either is null or withheld.",
        "publishable": f"Disclosure control by cell suppression with secondary (complementary) "
        f"suppression, audited: every count below {settings.suppress_below}, zero included, "
        "is withheld (null, listed in `suppressed` or marked `suppressed`), and so are as "
        "many other counts, smallest first, as it takes for no withheld count to be worked "
        "out to within "
        f"{settings.suppress_below} of its value from any published figure of the week: the "
        "report for all lines and for each line, the trend, the previous-week block, the "
        "abandoned list and staffing. The relations audited: all lines = the sum of the "
        "lines; received = answered + abandoned + short_abandoned + still waiting; a "
        "breakdown's cells (unclassified included) = answered; the arrivals = received. For "
        "each withheld count the service builds two tables that keep every published figure "
        "and relation and differ in that count by at least the threshold. A rate or share "
        "is published only where its numerator and denominator are published counts; a "
        f"mean ({', '.join(means)}) only over a published count of calls, and "
        f"{' and '.join(over_ended)} over at least {settings.suppress_below} answered calls "
        "that have ended; with any of "
        "them withheld for one line alone, another scope's goes too, so that no line's sum "
        "follows by subtraction. service_level is published over published answered and "
        "abandoned counts, stress_reported_share over at least "
        f"{settings.suppress_below} closed calls. A breakdown or the arrivals of a scope whose "
        "answered (received) is withheld are withheld whole. by_adviser, the advisers' own "
        "figures and the single abandoned calls are left out.",
        "publishable.cases": "The case counts are protected the same way, in tables of "
        "their own: all lines = the sum of the lines for each; backlog = its age bands; "
        "cases_closed = closed_by_outcome (null row included); referrals_sent = its states; "
        "each other count (cases_opened, cases_reopened, fcr_resolved, fcr_provisional, "
        "tasks_*) tied only across the lines. days_to_close_* are published only over at "
        f"least {settings.suppress_below} closes and a published cases_closed, "
        "first_contact_resolution only over a published answered of at least "
        f"{settings.suppress_below} calls and a published fcr_resolved; with one withheld for "
        "one line alone another scope's goes too. A share in closed_by_outcome goes with "
        "its count, cases_closed or the null row.",
    }

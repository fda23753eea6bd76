"""The search: one ranked page of the calls, cases and case notes a query finds, among those
the principal may see, each hit a recorded read."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel import Session, col

from service.audit import service as audit_service
from service.calls.models import Call
from service.calls.repeat import number_key
from service.cases.models import Case, CaseNote
from service.config import Settings
from service.errors import FieldProblem, ValidationFailed
from service.pagination import Page, decode_rank_cursor, encode_rank_cursor
from service.search import index, query
from service.search.models import HitKind, HitStatus, SearchHit, SearchKind, SearchQuery
from service.search.snippet import snippet
from service.taxonomy import service as taxonomy_service

# A hit by reference or number is exact: they all rank alike, newest first (ids are
# time-ordered).
EXACT = 1.0
# Full text ranks the newest WINDOW matches of the query (within its filters), not all of
# them: a common word matches a tenth of a million calls, and ranking each costs more than
# the 100 ms a search may take. The newest are found without ranking (SQLite: the FTS5
# rows, newest written last, walked from the end; PostgreSQL: each table's time index read
# backwards, or the GIN index and a top-N sort for a rare word); only they are ranked.
# `from`/`to` reach further back. Tests make it small.
WINDOW = 1000
# PostgreSQL: how many of a table's newest rows are read for the window before the rest
# (see `_postgresql_newest`).
RECENT = 50 * WINDOW
KINDS = {
    SearchKind.calls: (HitKind.call,),
    SearchKind.cases: (HitKind.case, HitKind.case_note),
    None: (HitKind.call, HitKind.case, HitKind.case_note),
}


@dataclass(frozen=True)
class Scope:
    """What the principal may see: an SQL condition on `call` and one on `case_file`; None
    for all (supervisors and admins)."""

    calls: sa.ColumnElement[bool] | None = None
    cases: sa.ColumnElement[bool] | None = None

    @property
    def everything(self) -> bool:
        return self.calls is None and self.cases is None


@dataclass(frozen=True)
class _Source:
    """A kind of hit: its table's id, its time, line and status, and how it joins a case."""

    kind: HitKind
    id: Any
    at: Any
    line: Any
    status: Any
    model: type[Call | Case | CaseNote]
    table_name: str


_CALL = _Source(HitKind.call, col(Call.id), col(Call.received_at), col(Call.line),
                col(Call.status), Call, "call")  # fmt: skip
_CASE = _Source(HitKind.case, col(Case.id), col(Case.created_at), col(Case.line),
                col(Case.status), Case, "case_file")  # fmt: skip
_NOTE = _Source(HitKind.case_note, col(CaseNote.id), col(CaseNote.created_at), col(Case.line),
                col(Case.status), CaseNote, "case_note")  # fmt: skip
SOURCES = {source.kind: source for source in (_CALL, _CASE, _NOTE)}


def search(
    *, session: Session, settings: Settings, search_in: SearchQuery, scope: Scope
) -> Page[SearchHit]:
    """One page of what the query finds, best first; each hit shown is put on record."""
    try:
        parsed = query.parse(search_in.q)
    except query.QueryError as error:
        raise ValidationFailed(
            [FieldProblem(field="q", reason=str(error), location="query")]
        ) from None
    taxonomy_service.check_line_filter(session=session, line=search_in.line)
    kinds = KINDS[search_in.kind]
    cursor = None if search_in.cursor is None else decode_rank_cursor(search_in.cursor)
    take = search_in.limit + 1
    sqlite = session.get_bind().dialect.name == "sqlite"
    narrowed = any(
        getattr(search_in, name) is not None for name in ("kind", "line", "from_", "to", "status")
    )
    if isinstance(parsed, query.TextQuery) and sqlite and not narrowed and scope.everything:
        page_rows = session.execute(_sqlite_unnarrowed(parsed, cursor, take)).all()
    else:
        if isinstance(parsed, query.TextQuery):
            ranked = _text_matches(session, parsed, kinds, search_in, scope)
            if not sqlite:
                # A plan for this query's words, never a generic one: the driver prepares a
                # statement run often, and PostgreSQL's plan for any words reads a phrase's
                # every match (65 ms instead of 18 at a million calls).
                session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
        else:
            ranked = _exact_matches(settings, parsed, kinds, search_in, scope)
        columns = ranked.selected_columns
        if cursor is not None:
            tie = _sqlite_tie(cursor.id) if sqlite and isinstance(parsed, query.TextQuery) else None
            last = cursor.id if tie is None else tie
            ranked = ranked.where(_after(columns.score, columns.tie, cursor.rank, last))
        page_rows = session.execute(
            ranked.order_by(columns.score.desc(), columns.tie.desc()).limit(take)
        ).all()
    next_cursor = None
    if len(page_rows) > search_in.limit:
        page_rows = page_rows[: search_in.limit]
        next_cursor = encode_rank_cursor(rank=page_rows[-1].score, id=page_rows[-1].id)
    text_query = parsed if isinstance(parsed, query.TextQuery) else None
    shown = _hits(session, [(HitKind(r.kind), r.id, r.score) for r in page_rows], text_query)
    _record_reads(session, shown)
    session.commit()
    return Page[SearchHit](items=[hit for hit, _ in shown], next_cursor=next_cursor)


def _after(score: Any, tie: Any, rank: float, last: Any) -> sa.ColumnElement[bool]:
    """The rows ranked after the cursor's: a lower score, or the same and a lower tie-break."""
    return sa.or_(score < rank, sa.and_(score == rank, tie < last))


def _sqlite_tie(record_id: uuid.UUID) -> sa.ScalarSelect[Any]:
    """The index row of the cursor's record: SQLite breaks ties by it (newest indexed first)."""
    kinds = [kind.value for kind in HitKind]
    return (
        sa.select(index.document.c.id)
        .where(index.document.c.kind.in_(kinds), index.document.c.record_id == record_id)
        .scalar_subquery()
    )


def _sqlite_unnarrowed(parsed: query.TextQuery, cursor: Any, take: int) -> sa.Select[Any]:
    """SQLite without filters: the window and the page are cut from the FTS5 index alone,
    before a row is looked up, and only the page's rows are mapped to their records."""
    window = index.sqlite_window(parsed, WINDOW).subquery("window")
    score, tie = window.c.score, window.c.tie
    hits = sa.select(tie, score)
    if cursor is not None:
        hits = hits.where(_after(score, tie, cursor.rank, _sqlite_tie(cursor.id)))
    page = hits.order_by(score.desc(), tie.desc()).limit(take).subquery("page")
    return (
        sa.select(index.document.c.kind, index.document.c.record_id.label("id"), page.c.score)
        .join_from(page, index.document, index.document.c.id == page.c.tie)
        .order_by(page.c.score.desc(), page.c.tie.desc())
    )


def _filters(source: _Source, search_in: SearchQuery, scope: Scope) -> list[Any]:
    conditions: list[Any] = []
    if search_in.line is not None:
        conditions.append(source.line == search_in.line)
    if search_in.from_ is not None:
        conditions.append(source.at >= search_in.from_)
    if search_in.to is not None:
        conditions.append(source.at < search_in.to)
    if search_in.status is not None:
        conditions.append(source.status == search_in.status.value)
    seen = scope.calls if source.kind == HitKind.call else scope.cases
    if seen is not None:
        conditions.append(seen)
    return conditions


def _from(source: _Source, select: sa.Select[Any]) -> sa.Select[Any]:
    """`select` over the source's table, a note's with its case (its line and status)."""
    if source.kind == HitKind.case_note:
        return select.join_from(CaseNote, Case, col(CaseNote.case_id) == col(Case.id))
    return select.select_from(source.model)


def _ranked_union(branches: list[sa.Select[Any]]) -> sa.Select[Any]:
    """The branches' (kind, id, score, tie) rows as one selectable to order, cut and page;
    `tie` breaks equal scores (the id, or on SQLite the index row)."""
    union = branches[0] if len(branches) == 1 else sa.union_all(*branches)
    matched = union.subquery("matched")
    return sa.select(matched.c.kind, matched.c.id, matched.c.score, matched.c.tie)


def _text_matches(
    session: Session,
    parsed: query.TextQuery,
    kinds: tuple[HitKind, ...],
    search_in: SearchQuery,
    scope: Scope,
) -> sa.Select[Any]:
    """(kind, id, score, tie) of the newest WINDOW records the query matches within the
    filters, to be ranked."""
    if session.get_bind().dialect.name == "postgresql":
        tsquery = index.tsquery(parsed)
        branches = []
        for kind in kinds:
            source = SOURCES[kind]

            def matching(vector: sa.ColumnElement[Any], source: _Source = source) -> Any:
                # Normalisation 1: a match in a long text counts less, as bm25's does on
                # SQLite.
                score = sa.cast(sa.func.ts_rank(vector, tsquery, 1), sa.Float)
                select = sa.select(
                    sa.literal(source.kind.value).label("kind"),
                    source.id.label("id"),
                    score.label("score"),
                    source.id.label("tie"),
                    source.at.label("at"),
                )
                return _from(source, select).where(
                    vector.op("@@")(tsquery), *_filters(source, search_in, scope)
                )

            branches += _postgresql_newest(source, matching)
        union = branches[0] if len(branches) == 1 else sa.union_all(*branches)
        matched = union.subquery("matched")
        window = (
            sa.select(matched.c.kind, matched.c.id, matched.c.score, matched.c.tie)
            .order_by(matched.c.at.desc(), matched.c.id.desc())
            .limit(WINDOW)
            .subquery("window")
        )
        return sa.select(window.c.kind, window.c.id, window.c.score, window.c.tie)
    # SQLite: the index's rows walked from the newest, each kept if its record is of a kind
    # asked for and passes the filters, until WINDOW are kept; only those are scored.
    document = index.document
    passes = []
    for kind in kinds:
        source = SOURCES[kind]
        conditions = _filters(source, search_in, scope)
        condition = document.c.kind == kind.value
        if conditions:
            record = _from(source, sa.select(sa.literal(1))).where(
                source.id == document.c.record_id, *conditions
            )
            condition = sa.and_(condition, record.exists())
        passes.append(condition)
    window = index.sqlite_window(parsed, WINDOW, kept=sa.or_(*passes)).subquery("window")
    return sa.select(window.c.kind, window.c.record_id.label("id"), window.c.score, window.c.tie)


def _postgresql_newest(
    source: _Source, matching: Callable[[sa.ColumnElement[Any]], sa.Select[Any]]
) -> list[sa.Select[Any]]:
    """The newest WINDOW rows of one table that match (`matching`, given the table's
    `search_vector`), ranked as they are read.

    PostgreSQL picks between walking the time index backwards (good for a common word) and
    the GIN index with a top-N sort (good for a rare one) by the matches it expects, and it
    expects too few for words that go together (a phrase, two words): it multiplies their
    frequencies, and then reads every match from the heap. So a table with a time index is
    cut in two: its RECENT newest rows, walked by the time index and tested one by one (at
    most RECENT rows, whatever the word), and the older ones, read by the GIN index only
    when the recent rows hold fewer than WINDOW matches (a word rare enough for its list
    to be short). A case note (no time index, fewer rows) is read by its GIN index.
    """

    def newest(select: sa.Select[Any]) -> sa.Select[Any]:
        return select.order_by(source.at.desc(), source.id.desc()).limit(WINDOW)

    name = source.kind.value
    whole = matching(index.vector(source.table_name))
    if source.kind == HitKind.case_note:
        return [sa.select(newest(whole).subquery(f"newest_{name}"))]
    table = source.model.__table__  # type: ignore[union-attr]
    rows = (
        sa.select(table, index.vector(source.table_name).label(index.VECTOR_COLUMN))
        .order_by(source.at.desc(), source.id.desc())
        .limit(RECENT)
        .subquery(f"recent_rows_{name}")
    )
    recent_vector = sa.literal_column(f"{rows.name}.{index.VECTOR_COLUMN}", postgresql.TSVECTOR)
    recent = ClauseAdapter(rows).traverse(newest(matching(recent_vector))).cte(f"recent_{name}")
    # Read only when the recent rows hold fewer than WINDOW matches: then they hold all of
    # theirs, and the older matches are the others.
    held = sa.select(sa.func.count()).select_from(recent).scalar_subquery()
    older = newest(whole.where(held < WINDOW, source.id.not_in(sa.select(recent.c.id))))
    return [sa.select(recent), sa.select(older.subquery(f"older_{name}"))]


def _exact_matches(
    settings: Settings,
    parsed: query.IdentifierQuery,
    kinds: tuple[HitKind, ...],
    search_in: SearchQuery,
    scope: Scope,
) -> sa.Select[Any]:
    conditions: list[tuple[_Source, sa.ColumnElement[bool]]] = []
    if parsed.reference is not None:
        conditions.append((_CASE, col(Case.reference) == parsed.reference))
    if parsed.cvr is not None:
        conditions.append((_CASE, col(Case.workplace_cvr) == parsed.cvr))
    if parsed.phone is not None:
        # By its keyed hash only: the number itself is compared nowhere, and indexed nowhere.
        key = number_key(settings.number_key, parsed.phone)
        conditions.append((_CALL, col(Call.callback_phone_key) == key))
    branches = []
    for source, condition in conditions:
        if source.kind not in kinds:
            continue
        select = sa.select(
            sa.literal(source.kind.value).label("kind"),
            source.id.label("id"),
            sa.literal(EXACT, sa.Float).label("score"),
            source.id.label("tie"),
        )
        branches.append(_from(source, select).where(condition, *_filters(source, search_in, scope)))
    if not branches:  # a CVR number while searching calls only, say: nothing to find
        nothing = sa.select(
            sa.literal("call").label("kind"), col(Call.id).label("id"),
            sa.literal(EXACT, sa.Float).label("score"), col(Call.id).label("tie"),
        ).where(sa.false())  # fmt: skip
        return _ranked_union([nothing])
    return _ranked_union(branches)


def _hits(
    session: Session,
    ranked: list[tuple[HitKind, uuid.UUID, float]],
    text_query: query.TextQuery | None,
) -> list[tuple[SearchHit, list[str]]]:
    """The page's hits in rank order, each with its record's facts and snippet, and the
    free-text fields of its record it shows."""
    ids: dict[HitKind, list[uuid.UUID]] = {kind: [] for kind in HitKind}
    for kind, record_id, _ in ranked:
        ids[kind].append(record_id)
    found: dict[tuple[HitKind, uuid.UUID], Callable[[float], tuple[SearchHit, list[str]]]] = {}
    if ids[HitKind.call]:
        rows = session.execute(
            sa.select(
                col(Call.id), col(Call.line), col(Call.received_at), col(Call.status),
                col(Call.case_id), col(Call.notes), col(Case.reference),
            )
            .outerjoin(Case, col(Case.id) == col(Call.case_id))
            .where(col(Call.id).in_(ids[HitKind.call]))
        ).all()  # fmt: skip
        for r in rows:
            found[(HitKind.call, r.id)] = _maker(
                HitKind.call, r.id, r.case_id, r.reference, r.line, r.received_at, r.status,
                None, r.notes, text_query, f"/calls/{r.id}", ["notes"] if r.notes else [],
            )  # fmt: skip
    if ids[HitKind.case]:
        rows = session.execute(
            sa.select(
                col(Case.id), col(Case.reference), col(Case.line), col(Case.created_at),
                col(Case.status), col(Case.title), col(Case.summary),
            ).where(col(Case.id).in_(ids[HitKind.case]))
        ).all()  # fmt: skip
        for r in rows:
            text = r.title if r.summary is None else f"{r.title} — {r.summary}"
            found[(HitKind.case, r.id)] = _maker(
                HitKind.case, r.id, r.id, r.reference, r.line, r.created_at, r.status,
                r.title, text, text_query, f"/cases/{r.id}",
                ["title", "summary"] if r.summary is not None else ["title"],
            )  # fmt: skip
    if ids[HitKind.case_note]:
        rows = session.execute(
            sa.select(
                col(CaseNote.id), col(CaseNote.case_id), col(CaseNote.created_at),
                col(CaseNote.body), col(Case.reference), col(Case.line), col(Case.status),
            )
            .join(Case, col(Case.id) == col(CaseNote.case_id))
            .where(col(CaseNote.id).in_(ids[HitKind.case_note]))
        ).all()  # fmt: skip
        for r in rows:
            found[(HitKind.case_note, r.id)] = _maker(
                HitKind.case_note, r.id, r.case_id, r.reference, r.line, r.created_at,
                r.status, None, r.body, text_query, f"/cases/{r.case_id}/timeline", ["body"],
            )  # fmt: skip
    # A record gone between ranking and reading (deleted meanwhile) is left out.
    return [found[(k, i)](score) for k, i, score in ranked if (k, i) in found]


def _maker(
    kind: HitKind,
    record_id: uuid.UUID,
    case_id: uuid.UUID | None,
    reference: str | None,
    line: str,
    at: datetime,
    status: str,
    title: str | None,
    text: str | None,
    text_query: query.TextQuery | None,
    href: str,
    fields: list[str],
) -> Callable[[float], tuple[SearchHit, list[str]]]:
    def make(score: float) -> tuple[SearchHit, list[str]]:
        hit = SearchHit(
            kind=kind,
            id=record_id,
            case_id=case_id,
            reference=reference,
            line=line,
            at=at,
            status=HitStatus(status),
            title=title,
            snippet=None if text is None else snippet(text, text_query),
            rank=score,
            href=href,
        )
        return hit, fields

    return make


def _record_reads(session: Session, shown: list[tuple[SearchHit, list[str]]]) -> None:
    """Every hit shown is a read of its record, as the record's own read is: one audit row
    each, naming the free texts shown (none for a call found by its number alone, whose
    being found is the read)."""
    for hit, fields in shown:
        kind = hit.kind.value
        audit_service.record(
            session, action=f"{kind}.read", object_type=kind, object_id=str(hit.id), fields=fields
        )

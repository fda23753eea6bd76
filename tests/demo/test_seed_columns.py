"""The seeder fills every column of every table it seeds, each with a value of its kind.

Its columns are the models' (`rows.COLUMNS`), and its rows are positional: a column added
to a model, or moved, that the generator does not follow shifts the values of every row.
So each generated value is checked against its column, by name: type, NULL only where the
column allows it, an enum's values only. And no column stays empty (the default) unless it
is listed here with the reason the demo leaves it so.
"""

import enum
import re
import types
import typing
from collections import defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from service import migrations
from service.db import UTCDateTime, create_db_engine
from service.demo import assumptions as A
from service.demo import seed as demo
from service.demo import writer
from service.demo.generate import Generator
from service.demo.rows import (
    COLUMNS,
    GROUPS,
    ROW_COLUMNS,
    SEEDED,
    Value,
    full_rows,
    rows_of,
    sa_table,
    width_of,
)
from service.models import metadata
from service.reports.weeks import IsoWeek
from tests.conftest import TEST_DATABASE_URL
from tests.databases import throwaway_database

STORED_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
HEX_ID = re.compile(r"[0-9a-f]{32}")
# Columns the demo leaves empty on purpose, and why.
ALWAYS_EMPTY = {
    ("adviser", "presence_reason"): "every adviser ends the range logged off, with no reason",
    ("adviser", "wrap_up_until"): "nobody is in wrap-up after the last shift",
    ("call", "industry_code"): "the demo draws sectors, not DB07 industries",
    ("call", "target_adviser_id"): "no call waits for one named adviser",
    ("call", "hold_started_at"): "no call is left on hold",
    ("call", "callback_phone_key"): "the seeder hashes no numbers: no demo call matches by number",
    ("case_file", "merged_into_id"): "no demo case is merged into another",
    ("case_file", "workplace_industry_code"): "the demo draws sectors, not DB07 industries",
    ("case_file", "text_erased_at"): "retention has not run on the demo cases",
    ("case_task", "call_id"): "no callback task has rung an outbound call of its own",
    ("case_event", "other_case_id"): "no demo case is merged into another",
    ("call_event", "target_adviser_id"): "transfers go to a line, not to an adviser",
    ("presence_event", "reason"): "no adviser gives a reason for a presence change",
}
WEEKS = [IsoWeek(2025, 10), IsoWeek(2025, 11), IsoWeek(2025, 12)]


def _all_codes() -> dict[str, set[str]]:
    """Every code the assumptions draw, as if all were active."""
    return {
        "line": set(A.LINE),
        "caller_type": {code for weights in A.CALLER_TYPE.values() for code in weights},
        "sector": set(A.SECTOR),
        "issue_category": set(A.ISSUES_ANYWHERE),
        "advice_type": {"callback", *A.ADVICE_ANYWHERE}
        | {code for weights in A.ADVICE_FOR_ISSUE.values() for code in weights},
        "case_outcome": set(A.CASE_OUTCOME),
        "task_kind": set(A.TASK_KIND),
    }


@pytest.fixture(scope="module")
def generated() -> dict[str, list[tuple[Value, ...]]]:
    """Three weeks of whole rows by table, as COPY takes them, with the derived presence."""
    generator = Generator(
        seed=11,
        codes=_all_codes(),
        peak_calls_per_week=600,
        timezone="Europe/Copenhagen",
        until=WEEKS[-1].monday + timedelta(days=7),
    )
    batches = [generator.adviser_rows(WEEKS[0].monday)]
    for number, week in enumerate(WEEKS):
        batches.extend(generator.days(week, 600, last=number == len(WEEKS) - 1))
    batches.append(generator.case_counter_rows())
    tables: dict[str, list[tuple[Value, ...]]] = defaultdict(list)
    for batch in batches:
        for table, values in writer.with_derived_presence(full_rows(batch.rows)).items():
            tables[table] += rows_of(table, values)
    # The advisers as the range leaves them, as the seed updates them at the end.
    tables["adviser"] = generator.adviser_final_rows()
    return dict(tables)


def _enum_of(model: type[SQLModel], name: str) -> type[enum.Enum] | None:
    """The Enum a model's field is annotated with (also inside `X | None`), if any."""
    field = model.model_fields.get(name)
    annotation = field.annotation if field else None
    candidates = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else ()
    for candidate in (annotation, *candidates, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return candidate
    return None


def _kind_problem(column: sa.Column, value: Value) -> str | None:
    """What is wrong with `value` as a stored value of `column`, or None."""
    if value is None:
        return None if column.nullable else "NULL in a NOT NULL column"
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return None if type(value) is bool else "not a boolean"
    if isinstance(kind, sa.Integer):
        return None if type(value) is int else "not a whole number"
    if isinstance(kind, UTCDateTime):
        return None if isinstance(value, str) and STORED_TIME.fullmatch(value) else "not a time"
    if isinstance(kind, sa.Uuid):
        return None if isinstance(value, str) and HEX_ID.fullmatch(value) else "not an id"
    if isinstance(kind, sa.String):  # Text too
        return None if isinstance(value, str) else "not text"
    return f"a column of a type this test does not know ({kind!r})"


def test_the_seeders_columns_are_the_tables_in_their_order():
    for model in SEEDED:
        table = sa_table(model)
        assert COLUMNS[table.name] == tuple(column.name for column in table.columns)
    # Every group's constants are columns of its table, and the rest its rows carry.
    for key, constants in GROUPS.items():
        table = key.partition(":")[0]
        assert set(constants) <= set(COLUMNS[table]), key
        assert ROW_COLUMNS[key] == tuple(n for n in COLUMNS[table] if n not in constants)
    # A seed writes every table it empties, and empties every table it writes.
    emptied = {*demo.CALL_TABLES, *demo.ADVISER_TABLES, *demo.CASE_CHILD_TABLES, *demo.CASE_TABLES}
    assert emptied == set(COLUMNS)


def test_every_generated_value_is_of_its_columns_kind(generated):
    assert set(generated) == set(COLUMNS)
    problems = []
    for table, rows in generated.items():
        assert rows, f"no {table} rows"
        model = next(m for m in SEEDED if sa_table(m).name == table)
        for position, name in enumerate(COLUMNS[table]):
            column = metadata.tables[table].c[name]
            choices = _enum_of(model, name)
            allowed = {member.value for member in choices} if choices else None
            for row in rows:
                value = row[position]
                problem = _kind_problem(column, value)
                if problem is None and allowed and value is not None and value not in allowed:
                    problem = f"not one of {sorted(allowed)}"
                if problem:
                    problems.append(f"{table}.{name} = {value!r}: {problem}")
                    break
    assert problems == []


def test_no_column_is_left_empty_but_those_the_demo_leaves_empty_on_purpose(generated):
    empty = {
        (table, name)
        for table, rows in generated.items()
        for position, name in enumerate(COLUMNS[table])
        if all(row[position] is None for row in rows)
    }
    assert empty == set(ALWAYS_EMPTY)


def test_rows_that_miss_a_column_are_refused_not_written_shifted():
    """What a column added to a model, and not to the generator, makes: short rows."""
    key = "call:inbound"
    width = len(ROW_COLUMNS[key])
    short_rows = ["x"] * ((width - 1) * 3)  # three rows, each a value short
    with pytest.raises(ValueError, match="does the generator fill every column"):
        width_of(key, short_rows)
    with pytest.raises(ValueError, match=key):
        full_rows({key: short_rows})
    assert width_of(key, ["x"] * (width * 3)) == width


def test_a_seeded_database_has_a_value_in_every_column_but_those_left_empty(tmp_path):
    """Through the writer (COPY on PostgreSQL, INSERTs with NULL stand-ins on SQLite)."""
    with throwaway_database(TEST_DATABASE_URL, tmp_path) as url:
        migrations.upgrade("head", database_url=url)
        engine = create_db_engine(url)
        try:
            demo.run(engine, weeks=WEEKS[:2], calls_per_week=[300, 300], seed=4)
            with engine.connect() as connection:
                empty = set()
                for table, names in COLUMNS.items():
                    for name in names:
                        filled = connection.execute(
                            sa.text(f'SELECT count("{name}") FROM "{table}"')
                        ).scalar_one()
                        if filled == 0:
                            empty.add((table, name))
        finally:
            engine.dispose()
    assert empty == set(ALWAYS_EMPTY)

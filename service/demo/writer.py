"""Bulk insertion of generated rows: one transaction per batch, no ORM round trips.

SQLite gets the driver's executemany; PostgreSQL gets COPY, which is several times faster
than INSERT. Rows already hold the stored formats (UTC text times, hex ids).
"""

from sqlalchemy import Engine

from service.demo.generate import COLUMNS

# Parents before children, so that every foreign key finds its row.
ORDER = (
    "adviser",
    "adviser_line",
    "adviser_language",
    "adviser_expertise",
    "call",
    "call_issue_category",
    "call_advice",
    "call_offer",
    "call_event",
    "presence_event",
)


def write(engine: Engine, rows: dict[str, list[tuple]]) -> None:
    """Insert every table's rows in one transaction."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            cursor = connection.connection.driver_connection.cursor()
            # Stored times are UTC text without an offset; read them as UTC.
            cursor.execute("SET LOCAL TIME ZONE 'UTC'")
            for table in ORDER:
                if rows.get(table):
                    columns = ", ".join(COLUMNS[table])
                    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                        copy.write("".join(map(_copy_line, rows[table])))
            return
        for table in ORDER:
            if rows.get(table):
                columns = COLUMNS[table]
                marks = ", ".join("?" * len(columns))
                connection.exec_driver_sql(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows[table]
                )


# COPY text format: tab-separated, \N for null, backslash escapes in text.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)


def _copy_line(row: tuple) -> str:
    return "\t".join(map(_copy_value, row)) + "\n"


def finish_advisers(engine: Engine, rows: list[tuple]) -> None:
    """Bring the advisers' own rows to where the last generated day left them."""
    columns = COLUMNS["adviser"]
    changing = ("presence_since", "available_since", "last_call_ended_at", "updated_at")
    positions = [columns.index(name) for name in changing]
    mark = "%s" if engine.dialect.name == "postgresql" else "?"
    assignments = ", ".join(f"{name} = {mark}" for name in changing)
    updates = [(*(row[p] for p in positions), row[0]) for row in rows]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
        connection.exec_driver_sql(f"UPDATE adviser SET {assignments} WHERE id = {mark}", updates)

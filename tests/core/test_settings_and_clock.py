"""Settings come in from the entry points and "now" from the one clock: use cases read neither."""

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).parents[2] / "service"
# Where settings come in: the timers and the seeder read them, then pass them on.
ENTRY_POINTS = {"calls/timer.py", "retention/timer.py", "demo/seed.py"}
USE_CASE_MODULES = sorted(
    path
    for path in SERVICE.glob("*/*.py")
    if path.relative_to(SERVICE).as_posix() not in ENTRY_POINTS
)


def _forbidden_calls(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in {"get_settings", "utcnow", "now", "today", "time"}:
            owner = func.value if isinstance(func, ast.Attribute) else None
            owner_name = getattr(owner, "id", getattr(owner, "attr", None))
            # `clock()` is the use case's injected clock; `datetime.now()` is the wall clock.
            if name in {"now", "today", "time"} and owner_name not in {"datetime", "date", "time"}:
                continue
            found.append(f"{owner_name + '.' if owner_name else ''}{name}() line {node.lineno}")
    return found


def test_the_scan_sees_the_modules_and_what_it_forbids():
    names = {path.relative_to(SERVICE).as_posix() for path in USE_CASE_MODULES}
    assert {"calls/desk.py", "calls/reach.py", "reports/service.py", "tokens/service.py"} <= names
    caught = _forbidden_calls(
        ast.parse("get_settings()\nutcnow()\ndatetime.now(UTC)\ndate.today()\nclock()\n")
    )
    assert len(caught) == 4, caught


@pytest.mark.parametrize("path", USE_CASE_MODULES, ids=lambda p: p.relative_to(SERVICE).as_posix())
def test_use_cases_take_settings_and_now_from_their_caller(path):
    assert _forbidden_calls(ast.parse(path.read_text())) == []

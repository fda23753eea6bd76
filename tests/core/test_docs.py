"""The documentation says what the code does: settings, commands, endpoints, links, sizes."""

import datetime
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from service.cli import app
from service.config import Settings
from service.main import create_app
from service.reports.figures import FIGURES
from service.retention.service import KEYS_KEPT

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
# The README is the front door: what it is, the quick start, a first call, and links.
README_MAX_BYTES = 10_000
# Variables the test suite reads itself; they are not settings of the service.
TEST_VARIABLES = {"HOTLINE_TEST_DATABASE_URL", "HOTLINE_HYPOTHESIS_PROFILE"}
# Words in code that are paths in this repository, and so must exist.
REPOSITORY_PATH = re.compile(
    r"(?<![\w./-])(?:\./)?((?:service|bench|tests|scripts|alembic|docs|\.ci)/[\w./-]*)"
)
ENDPOINT = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[\w./{}-]*)")


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def _name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def _blocks(text: str) -> list[str]:
    return re.findall(r"^```[\w-]*\n(.*?)^```", text, flags=re.S | re.M)


def _prose(text: str) -> str:
    """The page without its code blocks."""
    return re.sub(r"^```[\w-]*\n.*?^```", "", text, flags=re.S | re.M)


def _inline(text: str) -> list[str]:
    return [span.replace("\\|", "|") for span in re.findall(r"`([^`\n]+)`", _prose(text))]


def _code(text: str) -> list[str]:
    """Every line of code on the page: code blocks' lines (continuations joined) and spans."""
    lines = []
    for block in _blocks(text):
        lines += block.replace("\\\n", " ").splitlines()
    return lines + _inline(text)


def _every_page_code() -> list[tuple[str, str]]:
    return [(_name(page), line) for page in PAGES for line in _code(_text(page))]


# Settings: the table in docs/operations.md, against service.config.Settings.

OPERATIONS = ROOT / "docs" / "operations.md"
REPORTS = ROOT / "docs" / "reports.md"


def _settings_rows() -> list[tuple[list[str], list[str]]]:
    """Each row of the configuration table: its variables and the defaults it states."""
    section = re.search(r"^## Configuration\n(.*?)(?=^## )", _text(OPERATIONS), flags=re.S | re.M)
    assert section, "docs/operations.md has lost its Configuration section"
    rows = []
    for line in section.group(1).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        names = re.findall(r"`(HOTLINE_[A-Z0-9_]+)`", cells[0]) if line.startswith("|") else []
        if names:
            rows.append((names, re.findall(r"`([^`]+)`", cells[1])))
    return rows


def _shown(default: object) -> str | None:
    """A default as the table writes it; None for a setting that is unset by default."""
    if default is None:
        return None
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    if isinstance(default, datetime.time):
        return default.strftime("%H:%M")
    if isinstance(default, list):
        return json.dumps(default, separators=(",", ":"))
    return str(default)


def test_the_settings_table_lists_every_setting_and_nothing_else():
    listed = [name for names, _ in _settings_rows() for name in names]
    fields = {f"HOTLINE_{name.upper()}" for name in Settings.model_fields}
    assert sorted(listed) == sorted(fields)  # each once, none missing, none made up


def test_the_settings_table_states_every_default_as_settings_has_it():
    defaults = {f"HOTLINE_{n.upper()}": f.default for n, f in Settings.model_fields.items()}
    for names, stated in _settings_rows():
        shown = [_shown(defaults[name]) for name in names]
        if not stated:  # "unset", "found beside the code"
            assert shown == [None] * len(names), names
        else:
            assert stated == shown, names


def test_every_variable_the_docs_name_is_a_setting_or_the_test_suites_own():
    fields = {f"HOTLINE_{name.upper()}" for name in Settings.model_fields}
    tests_source = "".join(path.read_text(encoding="utf-8") for path in ROOT.glob("tests/*.py"))
    assert all(name in tests_source for name in TEST_VARIABLES)
    for page in PAGES:
        for name in set(re.findall(r"HOTLINE_[A-Z0-9_]+", _text(page))):
            if name.endswith("_"):  # a family, as in HOTLINE_OPENING_*
                assert any(field.startswith(name) for field in fields), (_name(page), name)
            else:
                assert name in fields | TEST_VARIABLES, (_name(page), name)


# The README: small, and a way in to every page.


def test_the_readme_is_at_most_10_kb():
    assert len(README.read_bytes()) <= README_MAX_BYTES


def test_the_readme_links_every_page_of_the_docs():
    linked = {Path(target.split("#")[0]).name for target in _links(_text(README))}
    assert {page.name for page in PAGES[1:]} <= linked


def test_the_readme_keeps_the_two_quick_start_commands():
    """`.ci/run` and the tests run the README's test command; the service starts as it says."""
    lines = [
        line.split("#")[0].strip()
        for block in _blocks(_text(README))
        for line in block.splitlines()
    ]
    assert "./scripts/serve" in lines
    assert "./scripts/test" in lines
    assert (ROOT / "scripts" / "serve").is_file() and (ROOT / "scripts" / "test").is_file()


# Links and paths.


def _links(text: str) -> list[str]:
    return re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", _prose(text))


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(h) for h in re.findall(r"^#{1,6} (.+)$", _prose(_text(page)), flags=re.M)}


@pytest.mark.parametrize("page", PAGES, ids=_name)
def test_every_relative_link_points_to_a_file_and_heading_that_exist(page):
    for target in _links(_text(page)):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        assert linked.exists(), (_name(page), target)
        if anchor:
            assert anchor in _anchors(linked), (_name(page), target)


def test_every_repository_path_the_docs_name_exists():
    named = [
        (page, path.rstrip("."))
        for page, line in _every_page_code()
        for path in REPOSITORY_PATH.findall(line)
    ]
    assert len(named) > 10
    missing = [(page, path) for page, path in named if not (ROOT / path).exists()]
    assert missing == []


# Endpoints.


def test_every_endpoint_the_docs_name_exists_with_that_method():
    spec = create_app().openapi()
    operations = {
        (method.upper(), re.sub(r"\{[^}]*\}", "{}", path))
        for path, item in spec["paths"].items()
        for method in item
    }
    named = [
        (page, method, path)
        for page, line in _every_page_code()
        for method, path in ENDPOINT.findall(line)
    ]
    assert len(named) > 30
    unknown = [
        (page, method, path)
        for page, method, path in named
        if (method, re.sub(r"\{[^}]*\}", "{}", path.split("?")[0])) not in operations
    ]
    assert unknown == []


def test_the_reports_page_defines_every_figure_of_the_registry():
    section = re.search(r"^## The figures\n(.*?)(?=^## )", _text(REPORTS), flags=re.S | re.M)
    assert section, "docs/reports.md has lost its figures section"
    defined = set(re.findall(r"^\| `(\w+)` \|", section.group(1), flags=re.M))
    assert {figure.name for figure in FIGURES} - defined == set()


def test_the_docs_keep_keys_as_long_as_retention_and_the_api_do(client):
    hours = KEYS_KEPT.total_seconds() / 3600
    spec = client.get("/openapi.json").json()
    texts = [
        parameter.get("description", "")
        for path in spec["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter.get("name", "").lower() == "idempotency-key"
    ]
    assert texts
    assert {re.search(r"kept (\d+) hours", text).group(1) for text in texts} == {f"{hours:g}"}
    desk = _text(ROOT / "docs" / "desk.md").replace("\n", " ")
    assert f"kept {hours:g} hours" in desk


# The `hotline` command: every command and option the docs name exists.


def _invocations(line: str) -> list[list[str]]:
    """The words after each `hotline` a line of code runs, up to the end of its command."""
    found = []
    for match in re.finditer(r"(?:^|(?<=[\s(])|(?<=\.venv/bin/))hotline(?=\s|$)", line):
        before = line[: match.start()].split()
        if before and before[-1].startswith("-"):
            continue  # the value of an option, as in `docker build -t hotline .`
        rest = re.split(r" \| | #|;|&&| &$|\)", line[match.end() :])[0]
        found.append([word.strip("[]'\"") for word in rest.split()])
    return found


@cache
def _passed_through_options(path: tuple[str, ...]) -> frozenset[str]:
    """The options of a command that hands its arguments on (`hotline bench`), from its help."""
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    return frozenset(re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", result.output))


def _is_group(command: Any) -> bool:
    """Typer's commands are its own click's (vendored since 0.29), so by shape, not by class."""
    return hasattr(command, "commands")


def _options(command: Any, path: tuple[str, ...]) -> frozenset[str]:
    if command.context_settings.get("ignore_unknown_options"):
        return _passed_through_options(path)
    names = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    return frozenset(names | set(command.get_help_option_names(command.context_class(command))))


def _resolve(words: list[str]) -> tuple[tuple[str, ...], Any, list[str]]:
    """The command the words name, its path, and the words left for it."""
    command, path = typer.main.get_command(app), ()
    while _is_group(command) and words and not words[0].startswith("-"):
        assert words[0] in command.commands, f"no command `hotline {' '.join((*path, words[0]))}`"
        command, path, words = command.commands[words[0]], (*path, words[0]), words[1:]
    return path, command, words


def _leaf_commands(command: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    if not _is_group(command):
        return {path}
    return set().union(
        *(_leaf_commands(sub, (*path, name)) for name, sub in command.commands.items())
    )


def _documented_invocations() -> list[tuple[str, list[str]]]:
    return [
        (page, words) for page, line in _every_page_code() for words in _invocations(line) if words
    ]


def _unknown_options(words: list[str]) -> set[str]:
    """The options named after a command that the command does not have."""
    path, command, rest = _resolve(words)
    options = {word.split("=")[0] for word in rest if word.startswith("-") and len(word) > 1}
    return options - _options(command, path)


def test_every_hotline_command_and_option_the_docs_name_exists():
    invocations = _documented_invocations()
    assert len(invocations) > 20
    for page, words in invocations:
        assert _unknown_options(words) == set(), (page, "hotline " + " ".join(words))


def test_every_hotline_command_is_in_the_docs():
    named = {_resolve(words)[0] for _, words in _documented_invocations()}
    assert _leaf_commands(typer.main.get_command(app)) <= named


def test_the_check_catches_a_made_up_command_and_option():
    with pytest.raises(AssertionError, match="no command `hotline tokens`"):
        _resolve(["tokens", "create"])
    assert _unknown_options(["seed", "--weeks", "8", "--sed", "1"]) == {"--sed"}
    assert _unknown_options(["token", "create", "--email", "a@b.dk", "--days=3"]) == set()
    assert _unknown_options(["bench", "--quick", "--quik"]) == {"--quik"}
    assert _invocations("X=$(.venv/bin/hotline token create --role admin) | head # --no") == [
        ["token", "create", "--role", "admin"]
    ]
    # A database or a file called hotline is not the command.
    assert _invocations("URL=postgresql://h:5432/hotline .venv/bin/python scripts/x.py") == []
    assert _invocations("docker build -t hotline .") == []


def test_command_examples_run_the_installed_command():
    """`hotline` is in .venv/bin, not on the PATH of a new user's shell: a code block runs it
    bare only after activating the venv."""
    for page in PAGES:
        for block in _blocks(_text(page)):
            lines = [re.sub(r"^\$ ", "", line) for line in block.splitlines()]
            for number, line in enumerate(lines):
                if re.match(r"hotline\s", line):
                    assert "source .venv/bin/activate" in lines[:number], (_name(page), line)

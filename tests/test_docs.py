"""The documentation says what the code does: settings, key retention, the CLI's name."""

import re
from pathlib import Path

from service.config import Settings
from service.retention.service import KEYS_KEPT

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readmes_table():
    documented = set(re.findall(r"`(HOTLINE_[A-Z0-9_]+)`", README))
    missing = {f"HOTLINE_{name.upper()}" for name in Settings.model_fields} - documented
    assert missing == set()


def test_the_api_and_the_readme_keep_keys_as_long_as_retention_does(client):
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
    assert f"kept {hours:g} hours" in README


def test_command_examples_name_the_installed_command():
    """`hotline` is in .venv/bin, not on the PATH of a new user's shell."""
    blocks = re.findall(r"```(?:sh)?\n(.*?)```", README, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    bare = [line for line in lines if re.match(r"^(\$ )?hotline ", line)]
    # The command reference says to activate the venv first; every other example is runnable.
    reference = re.search(r"## The `hotline` command\n\n(.*?)```sh\n(.*?)```", README, flags=re.S)
    assert reference and "source .venv/bin/activate" in reference.group(1)
    assert set(bare) == set(reference.group(2).splitlines()) & set(bare)

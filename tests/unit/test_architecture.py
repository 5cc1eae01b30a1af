"""The house rules that keep the core pure (ADR 0001, 0005)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
CORE_ALLOWED_THIRD_PARTY = {"pydantic", "rapidfuzz", "astral", "slugify"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", sorted((SRC / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_core_imports_only_stdlib_pydantic_and_pure_libraries(path: Path) -> None:
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "proofdesk":
            assert name.startswith("proofdesk.core"), f"{path.name} imports {name}: core must not import adapters/apps"
            continue
        assert top in sys.stdlib_module_names or top in CORE_ALLOWED_THIRD_PARTY or top == "__future__", (
            f"{path.relative_to(SRC)} imports {name}: core may use the standard library, pydantic and "
            f"{sorted(CORE_ALLOWED_THIRD_PARTY - {'pydantic'})} only"
        )


@pytest.mark.parametrize("path", sorted((SRC / "adapters").rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_adapters_do_not_import_apps(path: Path) -> None:
    for name in _imports(path):
        assert not name.startswith("proofdesk.apps"), f"{path.name} imports {name}"


def test_cli_help_does_not_import_heavy_packages() -> None:
    import subprocess

    code = (
        "import sys; from click.testing import CliRunner; from proofdesk.apps.cli import main; "
        "r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output; "
        "heavy = [m for m in ('sqlalchemy', 'PIL', 'pyexiv2', 'torch', 'urwid', 'httpx') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""

"""The house rules that keep the core pure and its layers one-way (ADR 0001, 0005, 0012)."""

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


# Imports run one way: domain <- ports <- services <- adapters, apps.
LAYER_MAY_NOT_IMPORT = {
    "domain": ("proofdesk.core.ports", "proofdesk.core.services", "proofdesk.adapters", "proofdesk.apps"),
    "ports": ("proofdesk.core.services", "proofdesk.adapters", "proofdesk.apps"),
    "services": ("proofdesk.adapters", "proofdesk.apps"),
}
# What the domain must not touch: threads, processes, signals, the environment, files and sockets.
DOMAIN_FORBIDDEN_STDLIB = {"os", "threading", "concurrent", "multiprocessing", "signal", "subprocess", "socket",
                           "shutil", "tempfile", "pathlib", "time", "io", "sqlite3"}
MAX_CORE_MODULE_LINES = 400


def _layer_modules(layer: str) -> list[Path]:
    return sorted((SRC / "core" / layer).rglob("*.py"))


@pytest.mark.parametrize(
    ("layer", "path"),
    [(layer, path) for layer in LAYER_MAY_NOT_IMPORT for path in _layer_modules(layer)],
    ids=lambda value: value if isinstance(value, str) else str(value.relative_to(SRC)),
)
def test_core_layers_import_one_way(layer: str, path: Path) -> None:
    for name in _imports(path):
        for forbidden in LAYER_MAY_NOT_IMPORT[layer]:
            assert not (name == forbidden or name.startswith(forbidden + ".")), (
                f"{path.relative_to(SRC)} ({layer}) imports {name}: {layer} may not import {forbidden}"
            )


@pytest.mark.parametrize("path", _layer_modules("domain"), ids=lambda p: str(p.relative_to(SRC)))
def test_domain_has_no_threads_processes_environment_or_files(path: Path) -> None:
    for name in _imports(path):
        assert name.split(".")[0] not in DOMAIN_FORBIDDEN_STDLIB, (
            f"{path.relative_to(SRC)} imports {name}: the domain does no I/O, threads or process work"
        )


def test_core_is_only_domain_ports_and_services() -> None:
    stray = sorted(
        str(path.relative_to(SRC)) for path in (SRC / "core").iterdir()
        if path.name not in {"__init__.py", "__pycache__", "domain", "ports", "services"}
    )
    assert stray == [], f"modules outside core's three layers: {stray}"


@pytest.mark.parametrize("path", sorted((SRC / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_core_module_is_longer_than_400_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_CORE_MODULE_LINES, f"{path.relative_to(SRC)} has {lines} lines (at most {MAX_CORE_MODULE_LINES})"


def test_the_layering_check_catches_a_backward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from proofdesk.core.services.pipeline import Pipeline\n")
    names = _imports(bad)
    assert any(name.startswith(forbidden) for name in names for forbidden in LAYER_MAY_NOT_IMPORT["domain"])


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


def test_core_comments_state_their_rules_instead_of_pointing_at_design_or_style_documents() -> None:
    offenders = [f"{path.relative_to(SRC)}:{number}"
                 for path in sorted((SRC / "core").rglob("*.py"))
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if "DESIGN.md" in line or "STYLE.md" in line]
    assert offenders == []

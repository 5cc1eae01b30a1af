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


# ---------------------------------------------------------------- the whole tree
# Ratchets: each check lists what still offends (the restructure in progress removes entries); a
# new offender fails, and so does an entry that no longer offends (take it off the list).


def _module_name(path: Path) -> str:
    parts = ["proofdesk", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SRC_MODULES = {_module_name(path): path for path in sorted(SRC.rglob("*.py"))}


def _proofdesk_imports(path: Path) -> set[str]:
    """The src modules `path` imports anywhere: at the top, inside functions, under TYPE_CHECKING;
    relative imports resolved; `from package import module` counts the module."""
    own = _module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for name in names:
            while name and name not in SRC_MODULES:
                name = name.rpartition(".")[0]
            if name and name != own:
                found.add(name)
    return found


def _import_cycles() -> set[frozenset[str]]:
    graph = {name: _proofdesk_imports(path) for name, path in SRC_MODULES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: set[frozenset[str]] = set()

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.add(frozenset(component))

    for module in graph:
        if module not in index:
            visit(module)
    return cycles


KNOWN_IMPORT_CYCLES: set[frozenset[str]] = set()


def test_no_import_cycle_anywhere_in_src() -> None:
    cycles = _import_cycles()
    assert cycles - KNOWN_IMPORT_CYCLES == set(), f"import cycles: {sorted(sorted(c) for c in cycles - KNOWN_IMPORT_CYCLES)}"
    assert KNOWN_IMPORT_CYCLES - cycles == set(), "a known cycle is gone: take it off KNOWN_IMPORT_CYCLES"


def test_the_cycle_check_counts_an_import_inside_a_function() -> None:
    publish = SRC / "core" / "services" / "publish.py"
    assert "proofdesk.core.services.publish_plan" in _proofdesk_imports(publish)  # imported inside a method


def test_adapters_do_not_import_services() -> None:
    offenders = {str(path.relative_to(SRC)) for path in (SRC / "adapters").rglob("*.py")
                 if any(name.startswith("proofdesk.core.services") for name in _proofdesk_imports(path))}
    assert offenders == set(), f"adapters importing core.services (move what they use into core/domain or ports): {sorted(offenders)}"


def _any_typed_context_or_reporter(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        typed: list[tuple[str, ast.expr | None]] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            typed = [(argument.arg, argument.annotation) for argument in arguments]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            typed = [(node.target.id, node.annotation)]
        for name, annotation in typed:
            if (name.endswith("context") or name.endswith("reporter")) and annotation is not None \
                    and "Any" in ast.unparse(annotation):
                found.append(f"{path.relative_to(SRC)}:{getattr(node, 'lineno', '?')} {name}: {ast.unparse(annotation)}")
    return found


def test_no_context_or_reporter_in_core_services_is_typed_any() -> None:
    offenders = [hit for path in sorted((SRC / "core" / "services").rglob("*.py")) for hit in _any_typed_context_or_reporter(path)]
    assert offenders == [], "type it with the port or protocol (RowContext, Reporter): " + "; ".join(offenders)


MAX_SRC_MODULE_LINES = 500
KNOWN_LONG_MODULES: set[str] = set()


def test_no_file_in_src_is_longer_than_500_lines() -> None:
    long = {str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
            if len(path.read_text().splitlines()) > MAX_SRC_MODULE_LINES}
    assert long - KNOWN_LONG_MODULES == set(), f"split these (at most {MAX_SRC_MODULE_LINES} lines): {sorted(long - KNOWN_LONG_MODULES)}"
    assert KNOWN_LONG_MODULES - long == set(), "take the shortened module off KNOWN_LONG_MODULES"


# Front ends get their adapters and units of work from the container (apps/container.py).
KNOWN_APPS_REACHING_PAST_THE_CONTAINER: set[str] = set()


def _reaches_past_the_container(path: Path) -> bool:
    text = path.read_text()
    return ("unit_of_work(" in text
            or any(name.startswith("proofdesk.adapters") for name in _proofdesk_imports(path)))


def test_no_app_module_but_the_container_imports_adapters_or_opens_a_unit_of_work() -> None:
    offenders = {str(path.relative_to(SRC)) for path in (SRC / "apps").rglob("*.py")
                 if path.name != "__init__.py" and path.name != "container.py" and _reaches_past_the_container(path)}
    assert offenders - KNOWN_APPS_REACHING_PAST_THE_CONTAINER == set(), (
        f"ask a service from the container instead: {sorted(offenders - KNOWN_APPS_REACHING_PAST_THE_CONTAINER)}")
    assert KNOWN_APPS_REACHING_PAST_THE_CONTAINER - offenders == set(), "take the fixed module off the list"

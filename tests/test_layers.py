"""The import rule of DESIGN.md, read from the code itself: each layer imports only from the
layers below it, no two files import each other (directly or round about), imports placed in
a function say why (a lazy import for start-up time), and no product module exceeds 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("pipeline", "extractors", "validators", "flows")
MAX_LINES = 500

# lowest first; a module may import its own layer and the ones below
LAYERS: tuple[tuple[str, ...], ...] = (
    ("pipeline.core",),
    ("pipeline.rounds", "pipeline.intake"),
    ("extractors.ocr", "extractors.readers"),
    ("extractors.analysis",),
    ("validators",),
    ("pipeline.reports",),
    ("pipeline.app", "pipeline.web"),
    ("flows",),
    ("pipeline.cli",),  # the entry points: every command starts here
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _layer(module: str) -> int | None:
    for rank, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def _imports(path: Path, known: dict[str, Path]) -> list[tuple[str, int, bool]]:
    """(imported project module, line, inside a function) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for child in ast.walk(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    inside.add(id(child))
    out = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name:
                out.append((name, node.lineno, id(node) in inside))
    return out


def test_every_product_module_has_a_layer():
    assert [m for m in _modules() if _layer(m) is None and m not in PACKAGES and m != "pipeline"] == []


def test_each_layer_imports_only_from_the_layers_below():
    known = _modules()
    upward = []
    for module, path in known.items():
        own = _layer(module)
        if own is None:
            continue
        for target, line, _ in _imports(path, known):
            theirs = _layer(target)
            if theirs is not None and theirs > own:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert upward == []


def test_no_import_cycle_between_files():
    known = _modules()
    graph = {m: {t for t, _, _ in _imports(p, known) if t != m and not (m.startswith(t + ".") and known[t].name == "__init__.py")}
             for m, p in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in graph:
        if module not in index:
            visit(module)
    assert cycles == []


def test_imports_inside_functions_say_why():
    known = _modules()
    unexplained = []
    for module, path in known.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for target, line, inside in _imports(path, known):
            if not inside:
                continue
            nearby = " ".join(lines[max(0, line - 3) : line + 1]).lower()
            if "lazy" not in nearby:
                unexplained.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert sorted(set(unexplained)) == []


def test_no_product_module_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in _modules().values() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


# what starts a thread or a process, by the name it is called with
_STARTERS = {"Thread", "Popen", "Process", "ProcessPool", "ThreadPoolExecutor", "ProcessPoolExecutor", "Pool",
             "fork", "system", "spawnv", "run", "call", "check_call", "check_output"}
_STARTER_OWNERS = {"threading", "subprocess", "multiprocessing", "pebble", "os", "concurrent", "futures"}


def test_one_module_starts_threads_and_processes():
    """Every thread, worker and external program is started by `pipeline.core.workers`, under
    its one policy for start method, cancellation, time and memory (issue 11.5)."""
    starters = []
    for module, path in _modules().items():
        if module == "pipeline.core.workers":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", None)
            if node.func.attr in _STARTERS and owner_name in _STARTER_OWNERS:
                starters.append(f"{path.relative_to(ROOT)}:{node.lineno} {owner_name}.{node.func.attr}")
    assert starters == []


def test_flows_only_orchestrate_the_application():
    """Flows call the application's stages; no flow imports a reader, OCR or analysis module."""
    known = _modules()
    reaching_down = [f"{path.relative_to(ROOT)}:{line} imports {target}"
                     for module, path in known.items() if module.startswith("flows")
                     for target, line, _ in _imports(path, known) if target.startswith("extractors")]
    assert reaching_down == []

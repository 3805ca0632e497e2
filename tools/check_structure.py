"""Check the module structure of ``lib/``, ``pages/`` and ``tests/``: public seams, no cycles,
short files, test modules that import helpers and never each other.

    python3 tools/check_structure.py            # report; exit 1 when a rule is broken
    python3 tools/check_structure.py lib pages  # the folders to read (default: lib pages)

Rules (issue 12), read with ``ast`` from the source (nothing is imported or run):

1. No private name crosses a module boundary: no ``from X import _name`` and no
   ``X._name`` on an imported project module X, and no import of a private module
   (``lib/figures/_common.py``) from outside its own package. Dunder names are public.
2. No import cycles between project modules, counting every import: at the top, inside
   functions and inside ``if TYPE_CHECKING:`` blocks alike.
3. No module over ``MAX_LINES`` lines.
4. No module under ``tests/`` imports a test module (``tests/**/test_*.py``) other than
   itself: what several test files share lives in a helper module (``tests/conftest.py``,
   ``tests/figure_checks.py``, ``tests/framework_checks.py``, ``tests/url_cases.py``).
   Checked on ``tests/`` whatever folders are given.

``tests/test_structure.py`` runs this on the repository so the rules stay held.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FOLDERS = ("lib", "pages")
MAX_LINES = 1000
#: Top-level packages whose modules are checked against each other.
PROJECT = ("lib", "pages")
#: The folder of the test modules (rule 4).
TESTS = "tests"


@dataclass
class Report:
    """What broke which rule; every list empty means the structure is clean."""

    private: list[str] = field(default_factory=list)
    cycles: list[list[str]] = field(default_factory=list)
    long_modules: list[str] = field(default_factory=list)
    modules: int = 0

    @property
    def ok(self) -> bool:
        return not (self.private or self.cycles or self.long_modules)

    def lines(self) -> list[str]:
        out = [f"read {self.modules} modules",
               f"private names crossing modules: {len(self.private)}"]
        out += [f"  {p}" for p in self.private]
        out.append(f"import cycles: {len(self.cycles)}")
        out += ["  " + " -> ".join(c + c[:1]) for c in self.cycles]
        out.append(f"modules over {MAX_LINES} lines: {len(self.long_modules)}")
        out += [f"  {m}" for m in self.long_modules]
        return out


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def module_name(path: Path, root: Path) -> str:
    """lib/figures/sliding.py -> lib.figures.sliding; lib/network/__init__.py -> lib.network."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package(module: str, path: Path) -> str:
    """The package a module's relative imports start from."""
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _owner(module: str) -> str:
    """The package a (private) module belongs to: lib.figures._common -> lib.figures."""
    return module.rpartition(".")[0]


def _private_part(module: str) -> str | None:
    """The first private component of a dotted module name, with what precedes it."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if _is_private(part):
            return ".".join(parts[:i + 1])
    return None


def _may_import(importer: str, importer_is_package: bool, target: str) -> bool:
    """A private module may be imported from inside the package that holds it."""
    private = _private_part(target)
    if private is None:
        return True
    owner = _owner(private)
    if not owner:
        return True
    here = importer if importer_is_package else _owner(importer)
    return here == owner or here.startswith(owner + ".")


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` as text for a chain of names, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _resolve(pkg: str, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` reads from, ``pkg`` being the importer's
    package (for relative imports)."""
    if not node.level:
        return node.module or ""
    base = pkg.split(".")
    base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else []))


def _python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def check(root: Path = REPO, folders: tuple[str, ...] = FOLDERS) -> Report:
    """Read every ``*.py`` under ``root/<folder>`` and report what breaks the rules."""
    files = [p for f in folders for p in _python_files(root / f)]
    modules = {module_name(p, root): p for p in files}
    report = Report(modules=len(modules))
    graph: dict[str, set[str]] = {m: set() for m in modules}

    for mod, path in modules.items():
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_LINES:
            report.long_modules.append(f"{path.relative_to(root)}: {lines} lines")
        tree = ast.parse(text, filename=str(path))
        pkg = _package(mod, path)
        is_pkg = path.name == "__init__.py"
        where = lambda node: f"{path.relative_to(root)}:{node.lineno}"  # noqa: E731
        aliases: dict[str, str] = {}  # local name -> project module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] not in PROJECT:
                        continue
                    if a.name in modules:
                        graph[mod].add(a.name)
                    if not _may_import(mod, is_pkg, a.name):
                        report.private.append(f"{where(node)} imports private module "
                                              f"{a.name}")
                    # `import a.b` binds `a`; `import a.b as x` binds x to a.b
                    local = a.asname or a.name.split(".")[0]
                    aliases[local] = a.name if a.asname else local
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(pkg, node)
                if source.split(".")[0] not in PROJECT:
                    continue
                if not _may_import(mod, is_pkg, source):
                    report.private.append(f"{where(node)} imports from private module "
                                          f"{source}")
                for a in node.names:
                    sub = f"{source}.{a.name}"
                    if sub in modules:  # `from pkg import submodule`
                        graph[mod].add(sub)
                        aliases[a.asname or a.name] = sub
                        if not _may_import(mod, is_pkg, sub):
                            report.private.append(f"{where(node)} imports private module "
                                                  f"{sub}")
                        continue
                    if source in modules and source != mod:
                        graph[mod].add(source)
                    if _is_private(a.name) and source != mod:
                        report.private.append(f"{where(node)} imports {a.name} from {source}")
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
                continue
            owner = _dotted(node.value)
            if owner is None or owner.split(".")[0] not in aliases:
                continue
            head, _, rest = owner.partition(".")
            target = aliases[head] + ("." + rest if rest else "")
            if target != mod and (target in modules or target in PROJECT):
                report.private.append(f"{where(node)} uses {owner}.{node.attr} of {target}")
    report.cycles = _cycles({m: {t for t in ts if t in modules and t != m}
                             for m, ts in graph.items()})
    return report


def is_test_module(module: str) -> bool:
    """A module pytest collects as a test file: ``tests.test_figures``, ``tests.e2e.test_pages``
    (not ``tests.conftest``, ``tests.figure_checks``, ``tests.e2e.helpers``)."""
    parts = module.split(".")
    return parts[0] == TESTS and parts[-1].startswith("test_")


def imported_test_modules(source: str, module: str,
                          package: bool = False) -> list[tuple[int, str]]:
    """(line, test module) for every import of a test module other than ``module`` itself in
    ``source``, the text of ``module``: ``import tests.test_x``, ``from tests.test_x import
    f``, ``from tests import test_x``, ``from .test_x import f``; at the top or anywhere else."""
    pkg = module if package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            source_module = _resolve(pkg, node)
            targets = ([source_module] if is_test_module(source_module)
                       else [f"{source_module}.{a.name}" for a in node.names])
        else:
            continue
        found += [(node.lineno, t) for t in targets if is_test_module(t) and t != module]
    return sorted(set(found))


def check_tests(root: Path = REPO) -> list[str]:
    """Rule 4 on every ``*.py`` under ``root/tests``: ``path:line imports test module``."""
    out = []
    for path in _python_files(root / TESTS):
        module = module_name(path, root)
        for line, target in imported_test_modules(path.read_text(encoding="utf-8"), module,
                                                  path.name == "__init__.py"):
            out.append(f"{path.relative_to(root)}:{line} imports test module {target}")
    return out


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as a cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def main(argv: list[str]) -> int:
    folders = tuple(argv) or FOLDERS
    report = check(REPO, folders)
    tests = check_tests(REPO)
    print("\n".join(report.lines()))
    print(f"test modules imported by other modules under {TESTS}/: {len(tests)}")
    for line in tests:
        print(f"  {line}")
    return 0 if report.ok and not tests else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

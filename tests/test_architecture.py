"""The layers of app/ hold: no module imports a layer above its own, and no import cycle.

Read from the source with `ast` (nothing is imported), so an upward import fails here before
it can become a cycle at start-up. Imports inside functions count too (they are still
dependencies); those under `if TYPE_CHECKING:` do not run and are left out of the cycle check.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

# Top to bottom: a module may import its own layer and those below it, never one above.
LAYERS = [
    "app.main",
    "app.api",
    "app.jobs",
    "app.extract",
    "app.ocr",
    "app.concurrency",
    "app.schemas",
    "app.core",
]
# Inside app.ocr, the stages as they depend on each other: the pipeline drives the engines,
# which write formats and order lines; every stage shares the page tree (results).
OCR_LAYERS = [
    "app.ocr.pipeline",
    "app.ocr.engines",
    "app.ocr.rendering",
    "app.ocr.reading",
    "app.ocr.preparation",
    "app.ocr.decoding",
    "app.ocr.results",
]


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def app_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(APP.rglob("*.py"))}


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in {
        "TYPE_CHECKING",
        "typing.TYPE_CHECKING",
    }


def imported(path: Path, *, at_run_time: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module) of every `app.` module `path` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if at_run_time:
        for node in ast.walk(tree):
            if _type_checking_only(node):
                skipped.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name == "app" or name.startswith("app."):
                yield node.lineno, name


def layer_of(module: str, layers: list[str]) -> int | None:
    for index, layer in enumerate(layers):
        if module == layer or module.startswith(layer + "."):
            return index
    return None


def upward_imports(
    modules: dict[str, Path], layers: list[str], root: Path = APP.parent
) -> list[str]:
    found = []
    for module, path in modules.items():
        own = layer_of(module, layers)
        if own is None:
            continue
        for line, target in imported(path):
            theirs = layer_of(target, layers)
            if theirs is not None and theirs < own:
                found.append(f"{path.relative_to(root)}:{line} {module} -> {target}")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets = set()
        for _, name in imported(path, at_run_time=True):
            # `from app.x import y` is a dependency on app.x.y when that is a module.
            while name not in modules and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in modules and name != module:
                targets.add(name)
        graph[module] = targets
    return graph


def test_every_module_of_the_app_belongs_to_a_layer() -> None:
    loose = [name for name in app_modules() if name != "app" and layer_of(name, LAYERS) is None]
    assert loose == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    assert upward_imports(app_modules(), LAYERS) == []


def test_no_ocr_stage_imports_a_stage_that_depends_on_it() -> None:
    ocr = {name: path for name, path in app_modules().items() if name.startswith("app.ocr.")}
    assert upward_imports(ocr, OCR_LAYERS) == []


def test_the_app_has_no_import_cycle() -> None:
    assert cycles(import_graph(app_modules())) == []


def test_the_top_level_holds_only_main_and_packages() -> None:
    modules = sorted(path.name for path in APP.glob("*.py"))
    assert modules == ["__init__.py", "main.py"]


def test_every_package_says_what_lives_there_and_what_it_may_import() -> None:
    silent = [
        str(init.relative_to(APP.parent))
        for init in APP.rglob("__init__.py")
        if not ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    ]
    assert silent == []


def write_module(root: Path, name: str, source: str) -> None:
    path = root.joinpath(*name.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


def modules_under(root: Path) -> dict[str, Path]:
    return {
        ".".join(path.relative_to(root).with_suffix("").parts): path
        for path in sorted((root / "app").rglob("*.py"))
    }


def test_the_checks_pass_a_tree_that_keeps_its_layers(tmp_path: Path) -> None:
    write_module(tmp_path, "app.core.errors", "")
    write_module(tmp_path, "app.ocr.page", "from app.core.errors import Failure\n")
    write_module(tmp_path, "app.api.routes", "from app.ocr.page import read\n")
    modules = modules_under(tmp_path)
    assert upward_imports(modules, LAYERS, tmp_path) == []
    assert cycles(import_graph(modules)) == []


def test_the_checks_catch_an_upward_import_and_a_cycle(tmp_path: Path) -> None:
    # The checks themselves, on a tree made to break them: they must not pass vacuously.
    write_module(tmp_path, "app.core.errors", "from app.api import routes\n")
    write_module(tmp_path, "app.api.routes", "import app.core.errors\n")
    modules = modules_under(tmp_path)
    assert upward_imports(modules, LAYERS, tmp_path) == [
        "app/core/errors.py:1 app.core.errors -> app.api",
        "app/core/errors.py:1 app.core.errors -> app.api.routes",
    ]
    assert cycles(import_graph(modules)) == [["app.api.routes", "app.core.errors"]]


LONG_MODULE_LINES = 300


def test_a_module_over_300_lines_says_why_at_its_top() -> None:
    unexplained = []
    for path in APP.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        docstring = " ".join((ast.get_docstring(ast.parse(source)) or "").split())
        if (
            len(source.splitlines()) > LONG_MODULE_LINES
            and "over 300 lines" not in docstring.lower()
        ):
            unexplained.append(str(path.relative_to(APP.parent)))
    assert unexplained == []

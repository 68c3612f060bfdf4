"""The layers keep to their folders: HTTP in lib/web/ and routes/, the portal's rules in
lib/domain/, file formats in lib/files/, storage in lib/engines/ behind lib/db.py, and each
imports only what lies beneath it."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from lib.engines import INSTALLED, base

ROOT = Path(__file__).resolve().parent.parent
HTTP = ("flask", "werkzeug", "click")


def imports(path):
    """Every module the file imports (absolute names; `from lib import db` gives lib.db)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(folder):
    return sorted((ROOT / folder).glob("*.py"))


def offending(paths, forbidden):
    """{file: the imports of it that start with one of forbidden}."""
    found = {}
    for path in paths:
        bad = sorted(name for name in imports(path) if any(name == f or name.startswith(f"{f}.") for f in forbidden))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("lib/domain", (*HTTP, "lib.web", "lib.db", "lib.files", "lib.commands", "routes", "app")),
        ("lib/files", (*HTTP, "lib.web", "lib.db", "lib.engines", "lib.commands", "routes", "app")),
        ("lib/engines", (*HTTP, "lib.web", "lib.db", "lib.domain", "lib.files", "lib.schema", "lib.config", "routes")),
        ("lib/web", ("routes", "app", "lib.commands", "lib.engines")),
    ],
)
def test_a_layer_imports_nothing_above_it(folder, forbidden):
    assert offending(modules(folder), forbidden) == {}


def test_settings_import_nothing_of_the_project():
    assert offending([ROOT / "lib" / "config.py"], ("lib", "routes", "app")) == {}


def test_no_blueprint_imports_another():
    paths = [path for path in modules("routes") if path.name != "__init__.py"]
    assert offending(paths, ("routes",)) == {}


def test_only_the_engines_ask_which_engine_runs():
    """A comparison with an engine's NAME is a branch on the engine: it belongs in one of them."""
    outside = [path for folder in ("lib", "lib/web", "lib/domain", "lib/files", "routes") for path in modules(folder)]
    branches = {}
    for path in [*outside, ROOT / "app.py", ROOT / "serve.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                names = [n for n in ast.walk(node) if isinstance(n, ast.Attribute) and n.attr == "NAME"]
                if names:
                    branches.setdefault(str(path.relative_to(ROOT)), []).append(node.lineno)
    assert branches == {}


def test_the_rules_and_the_formats_import_without_flask():
    """lib/domain/ and lib/files/ load with Flask, werkzeug and click made unimportable."""
    names = [
        f"lib.{path.parent.name}.{path.stem}" for folder in ("lib/domain", "lib/files") for path in modules(folder)
    ]
    blocked = "; ".join(f"sys.modules[{name!r}] = None" for name in HTTP)
    program = f"import importlib, sys; {blocked}\nfor name in {names!r}: importlib.import_module(name)"
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("engine", INSTALLED, ids=lambda engine: engine.NAME)
def test_each_engine_declares_the_whole_interface(engine):
    connection_class = next(
        cls for cls in base.Connection.__subclasses__() if sys.modules[cls.__module__].ENGINE is engine
    )
    assert type(engine).__abstractmethods__ == frozenset()
    assert connection_class.__abstractmethods__ == frozenset()
    assert connection_class.engine is engine

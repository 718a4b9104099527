"""The demo app is for development only: no production module imports it, so the portal runs
without it (the production settings leave it out unless PORTAL_DEMO is true, test_settings.py).

The imports are read from the source with ``ast`` — every ``import``, ``from … import`` and
``import_module("…")``/``__import__("…")`` with a literal name, at any depth — so an import
inside a function or a migration counts as much as one at the top of a module."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Packages of the repository that are not part of the portal: the demo itself, the tests and
# the benchmarks, which load the demo and the scale data.
NOT_PRODUCTION = {"demo", "tests", "bench"}
DYNAMIC_IMPORTS = {"import_module", "__import__"}


def production_packages():
    return sorted(
        path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in NOT_PRODUCTION
    )


def production_sources():
    for package in production_packages():
        yield from sorted((ROOT / package).rglob("*.py"))
    yield from sorted(ROOT.glob("*.py"))  # manage.py


def imported_modules(source):
    """(line, absolute module name) of every import in ``source`` that names a module
    outright; relative imports stay inside their own package and are left out."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call) and node.args and _called(node) in DYNAMIC_IMPORTS:
            name = _literal_start(node.args[0])
            if name is not None:
                yield node.lineno, name


def _called(call):
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)


def _literal_start(argument):
    """The module name given as a string, or the literal text an f-string starts with."""
    if isinstance(argument, ast.JoinedStr) and argument.values:
        argument = argument.values[0]
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    return None


def demo_imports(source):
    return [(line, name) for line, name in imported_modules(source) if name == "demo" or name.startswith("demo.")]


def test_the_production_packages_are_found():
    # A walk over nothing would pass whatever the code imports.
    assert {"config", "core", "org", "indicators", "tasks", "carriers", "reports"} <= set(production_packages())
    assert len(list(production_sources())) > 100


def test_no_production_module_imports_the_demo():
    found = []
    for path in production_sources():
        for line, name in demo_imports(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not found, "production code must not import the demo app:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "import demo",
        "import demo.scale as scale",
        "from demo import regions",
        "from demo.tables import build_bytes",
        "def load():\n    from demo import catalogue\n    return catalogue",
        "class Migration:\n    def forwards(apps, schema_editor):\n        import demo.regions\n",
        "from importlib import import_module\nimport_module('demo.regions')",
        "import importlib\nimportlib.import_module('demo')",
        "__import__('demo.plans')",
        "import_module(f'demo.{name}')",
        "try:\n    import os\nexcept ImportError:\n    pass\nelse:\n    from demo import plans",
    ],
)
def test_every_kind_of_demo_import_is_seen(source):
    assert demo_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "import demolition",
        "from demographics import x",
        "from core import demo_helpers",
        "from . import demo",
        "from .demo import load",
        "INSTALLED_APPS = ['demo']",
        "import_module(f'{app}.demo')",
        "# from demo import regions",
        "'''from demo import regions'''",
    ],
)
def test_what_is_not_an_import_of_the_demo_app_is_not_reported(source):
    assert not demo_imports(source)

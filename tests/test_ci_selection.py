"""The PostgreSQL run under CI selects modules by name: a renamed module must not drop out unseen."""

from pathlib import Path

from tests.conftest import ON_BOTH_DATABASES


def test_every_module_run_on_both_databases_exists():
    here = Path(__file__).parent
    assert sorted(name for name in ON_BOTH_DATABASES if not (here / f"{name}.py").exists()) == []

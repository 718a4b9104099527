"""The PostgreSQL run under CI selects modules by name: a renamed module must not drop out unseen."""

from pathlib import Path

from tests.conftest import ON_BOTH_DATABASES, ON_THE_DEMO_OF_TODAY


def test_every_module_run_on_both_databases_exists():
    here = Path(__file__).parent
    assert sorted(name for name in ON_BOTH_DATABASES if not (here / f"{name}.py").exists()) == []


def test_every_module_sharing_the_demo_of_today_exists():
    here = Path(__file__).parent
    assert sorted(name for name in ON_THE_DEMO_OF_TODAY if not (here / f"{name}.py").exists()) == []

"""Demo data of ``tasks``. ``load`` is what ``manage.py load_demo`` calls; the import is
deferred so ``python -m tasks.demo.tables`` works without Django set up."""


def load(*, password):
    from .plans import load as load_plans

    return load_plans(password=password)

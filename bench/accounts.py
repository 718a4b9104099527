"""The accounts benchmarks sign in with (``bench_…``, ``load_…``), and the water bureau a
generated city or province needs for its supervisor. Imported after ``common.setup()``."""

import functools
import os

from axes.utils import reset as axes_reset
from django.contrib.auth.hashers import make_password

from org.models import Department, Region, User

BENCH_PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-pages-Jieshui-2026")


def water_bureau(region):
    """The region's water bureau. Generated cities and provinces have no departments, and a
    supervisor must work in one of theirs (User.clean), so one is added there."""
    found = region.departments.filter(short_name__contains="水利").order_by("pk").first()
    if found is not None:
        return found
    short = {Region.Level.CITY: "市水利局", Region.Level.PROVINCE: "省水利厅"}[region.level]
    return Department.objects.get_or_create(
        region=region, short_name=short, defaults={"name": f"{region.name}{short[1:]}"}
    )[0]


@functools.cache
def _password_hash(password):
    # One hash for every account of a run, with the deployed hasher (org.hashers): throwaway
    # accounts sharing a password's salt protects nothing that matters, and a storm of
    # sign-ins costs the same whether the hashes are one or fifty.
    return make_password(password)


def bench_user(username, role, department, display_name, *, password=BENCH_PASSWORD):
    """Create or update a bench account; its password is set only when it differs."""
    user, created = User.objects.update_or_create(
        username=username,
        defaults={"role": role, "department": department, "display_name": display_name, "is_active": True,
                  "is_staff": False, "is_superuser": False},
    )
    user.full_clean(exclude=["password"])
    if created or not user.check_password(password):
        user.password = _password_hash(password)
        user.save(update_fields=["password"])
    axes_reset(username=username)  # a lockout left by an earlier, broken run would refuse the sign-in
    return user

"""Settings come from the environment; production refuses to start without a secret."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "PORTAL_DEMO"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_defaults():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]
    assert settings.CELERY_TASK_SERIALIZER == "json" and settings.CELERY_ACCEPT_CONTENT == ["json"]
    assert settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT > 0


def test_eager_celery_without_redis():
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not os.environ.get("REDIS_URL"))


@pytest.mark.parametrize("secret", [None, "   "], ids=["unset", "blank"])
def test_production_requires_secret_key(secret):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "The environment variable SECRET_KEY must be set." in result.stderr


def deploy_check(**env):
    return run_manage(
        "check", "--deploy", "--fail-level", "WARNING", DJANGO_SETTINGS_MODULE="config.settings.production",
        ALLOWED_HOSTS="portal.example.gov.cn", **env,
    )


REAL_SECRET = "a-real-production-secret-" + "x9" * 30


@pytest.mark.parametrize("https", ["false", "true"])
def test_production_passes_deploy_check(https):
    """Clean on an HTTP-only intranet (the four HTTPS-only warnings silenced, with their
    reasons, in config/settings/production.py) and behind TLS, where nothing is silenced
    but the HSTS sub-domain and preload advice."""
    result = deploy_check(SECRET_KEY=REAL_SECRET, PORTAL_HTTPS=https)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_would_catch_a_weak_secret():
    # The same command fails on a warning, so the clean runs above mean something.
    result = deploy_check(SECRET_KEY="short", PORTAL_HTTPS="true")
    assert result.returncode != 0 and "security.W009" in result.stderr + result.stdout


@pytest.mark.parametrize(("name", "value"), [("DJANGO_DEBUG", "maybe"), ("AXES_FAILURE_LIMIT", "five")])
def test_bad_environment_values_are_named(name, value):
    result = run_manage("check", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


DEMO_COMMANDS = {"load_demo", "generate_scale_data"}


@pytest.mark.parametrize(("switch", "expected"), [(None, set()), ("false", set()), ("true", DEMO_COMMANDS)])
def test_production_has_the_demo_commands_only_with_portal_demo(switch, expected):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "SECRET_KEY": REAL_SECRET}
    if switch is not None:
        env["PORTAL_DEMO"] = switch
    result = run_manage("help", "--commands", **env)
    assert result.returncode == 0, result.stderr
    commands = set(result.stdout.split())
    assert "migrate" in commands  # the list is the real one
    assert commands & DEMO_COMMANDS == expected


def test_without_portal_demo_load_demo_is_an_unknown_command_in_production():
    result = run_manage("load_demo", DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY=REAL_SECRET)
    assert result.returncode != 0
    assert "Unknown command: 'load_demo'" in result.stderr


def test_the_dev_and_test_settings_have_the_demo_app():
    assert "demo" in settings.INSTALLED_APPS


def test_django_starts_without_polars():
    """Web workers and the uploads' bounded readers (512 MB of address space) never load the
    vectorised engine's library: it comes with the first recompute."""
    code = "import sys, django; django.setup(); print('polars' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    assert done.stdout.strip() == "False"


"""The production settings with Django's own password hashers, PBKDF2 first: the portal as it
hashed passwords before org.hashers, served by bench/bench_signin.py as its baseline."""

from django.conf import global_settings

from config.settings.production import *  # noqa: F403  a settings module builds on another

PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS

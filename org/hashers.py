"""The portal's password hasher: Argon2id at OWASP's recommended parameters."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with m = 19 MiB, t = 2, p = 1: the configuration OWASP's Password Storage
    Cheat Sheet recommends, Argon2id being its first choice (PBKDF2 is its last, for when
    FIPS-140 compliance is required).

    Why it replaces Django's default PBKDF2 (1,000,000 rounds of SHA-256): PBKDF2 costs the
    server ~0.3 s of CPU a sign-in, so fifty people signing in at once queue for seconds on
    two cores, and it needs no memory, so an attacker's GPU or ASIC runs thousands of SHA-256
    chains side by side. Argon2id is memory-hard: every guess needs 19 MiB of its own, which
    caps how many a GPU runs at once and makes custom hardware pay for memory, not just
    cores. Published figures put a current GPU at about ten thousand guesses a second at
    these parameters, the same order as against those PBKDF2 rounds, while a sign-in here
    takes ~40 ms of CPU. Not Django's own Argon2 parameters (100 MiB, p = 8): ~0.3 s of CPU
    again, and 100 MiB per concurrent sign-in in each gunicorn worker.

    The algorithm's name stays ``argon2``: Django compares a stored argon2 hash's parameters
    with these (``must_update``) and rehashes at the next successful sign-in when they
    differ, as it does every PBKDF2 hash, this hasher being first in PASSWORD_HASHERS."""

    memory_cost = 19456  # KiB: 19 MiB
    time_cost = 2
    parallelism = 1

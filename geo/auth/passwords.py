"""Password hashes: scrypt with a per-password random salt; only the key's SHA-256 is stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from geo.errors import MinqingError

# scrypt cost: N=2^15, r=8, p=1 (about 32 MiB and a few tens of milliseconds per check).
_N, _R, _P = 2**15, 8, 1
_MAXMEM = 64 * 1024 * 1024
SCHEME = "scrypt-v"
_SALT_BYTES = 16
_KEY_BYTES = 32
MIN_LENGTH = 8
MAX_LENGTH = 256


class PasswordError(MinqingError):
    """A password that cannot be used."""


def check_strength(password: str) -> None:
    """Refuse a password that is too short or too long (PasswordError)."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"a password has at most {MAX_LENGTH} characters")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=_KEY_BYTES
    )


def proof(password: str, params: str) -> str:
    """The sign-in proof of a password: its scrypt key (hex) with the stored parameters and salt
    (`N$r$p$salt`, as `minqing_login_salt` gives them). The database keeps only the key's
    SHA-256, so neither the stored value nor anything the database returns signs anyone in."""
    n, r, p, salt = params.split("$")
    return _derive(password, _unb64(salt), int(n), int(r), int(p)).hex()


def hash_password(password: str) -> str:
    """The stored form of a password: `scrypt-v$N$r$p$salt$sha256(key)` (salt in base64)."""
    check_strength(password)
    params = f"{_N}${_R}${_P}${_b64(secrets.token_bytes(_SALT_BYTES))}"
    key = bytes.fromhex(proof(password, params))
    return f"{SCHEME}${params}${hashlib.sha256(key).hexdigest()}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when the password matches a stored form (the command line's check of the demo
    accounts; pages sign in through the database and never see the stored form)."""
    if not stored or len(password) > MAX_LENGTH:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        key = bytes.fromhex(proof(password, f"{n}${r}${p}${salt}"))
    except ValueError:
        return False
    return hmac.compare_digest(hashlib.sha256(key).hexdigest(), digest)

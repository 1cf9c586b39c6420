"""Password hashes in werkzeug's format (`scrypt:N:r:p$salt$hex`), made with the standard library.

The accounts module is core (the CLI and the views share it), so it must not load werkzeug, which
brings most of the web stack with it. The format and parameters are werkzeug's own, so hashes
stored before this module existed still verify, and werkzeug could still verify ours
(tests/test_layering.py checks both ways).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

# werkzeug's defaults: scrypt with N=2**15, r=8, p=1 and a 16-character salt.
_N, _R, _P = 2**15, 8, 1
_SALT_CHARS = string.ascii_letters + string.digits
_SALT_LENGTH = 16


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> str:
    # maxmem as werkzeug sets it: 128 * n * r * p is the need, a little more avoids a MemoryError.
    return hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p).hex()


def hash_password(password: str) -> str:
    """A salted scrypt hash of `password`, to store; deliberately slow (about 0.1 s)."""
    salt = "".join(secrets.choice(_SALT_CHARS) for _ in range(_SALT_LENGTH))
    return f"scrypt:{_N}:{_R}:{_P}${salt}${_scrypt(password, salt, _N, _R, _P)}"


def check_password(stored: str, password: str) -> bool:
    """Whether `password` matches the `stored` hash, compared in constant time.

    Reads scrypt and pbkdf2 hashes as werkzeug writes them; anything else (or a malformed hash) is
    simply no match.
    """
    try:
        method, salt, expected = stored.split("$", 2)
        name, *args = method.split(":")
        if name == "scrypt":
            n, r, p = (int(a) for a in args) if args else (_N, _R, _P)
            actual = _scrypt(password, salt, n, r, p)
        elif name == "pbkdf2":
            digest = args[0] if args else "sha256"
            iterations = int(args[1]) if len(args) > 1 else 1_000_000
            actual = hashlib.pbkdf2_hmac(digest, password.encode(), salt.encode(), iterations).hex()
        else:
            return False
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)

"""Typeable random codes (tickets, guest cards, feed tokens): no O/0, I/l/1 to misread.

Pure module: no Flask, no database.
"""

import math
import re
import secrets

#: Upper-case letters and digits without the look-alikes 0 O 1 I L.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_ALLOWED = frozenset(ALPHABET)
_SEPARATORS = re.compile(r"[\s\-_.]+")


def length(bits: int) -> int:
    """Return how many characters of `ALPHABET` a code of `bits` bits of randomness has."""
    return math.ceil(bits / math.log2(len(ALPHABET)))


def random_code(bits: int) -> str:
    """Return a code from `ALPHABET` carrying at least `bits` bits of randomness."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length(bits)))


def random_choice(length: int) -> list[str]:
    """Return `length` random characters of `ALPHABET`."""
    return [secrets.choice(ALPHABET) for _ in range(length)]


def group(code: str, size: int = 4) -> str:
    """Split a code into dash-separated groups for reading aloud or typing."""
    return "-".join(code[i : i + size] for i in range(0, len(code), size))


def normalize(text: str) -> str | None:
    """Return the canonical form of a typed code, or None if it cannot be one.

    Case, spaces and dashes are forgiven; a character outside the alphabet is not guessed at.
    """
    cleaned = _SEPARATORS.sub("", text or "").upper()
    if not cleaned or not set(cleaned) <= _ALLOWED:
        return None
    return cleaned

"""Sign-up rules: ages, guardians, phones and passwords. Pure: no Flask, no database.

Problems are returned as stable codes per field; the caller turns them into translated text.
"""

import ast
import importlib.util
import re
from datetime import date
from pathlib import Path

#: Below this age a parent's or guardian's consent is required.
GUARDIAN_AGE = 14
MIN_PASSWORD_LENGTH = 8
OLDEST_PLAUSIBLE_AGE = 100

_PHONE_CHARS = re.compile(r"[\s\-()]+")


def age_on(birth_date: date, day: date) -> int:
    """Return the age in whole years on `day` (a 29 February birthday counts from 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def normalize_phone(text: str | None) -> str | None:
    """Return a phone as +<digits> (Russian 8XXXXXXXXXX becomes +7XXXXXXXXXX), '' if empty, None if invalid."""
    if text is None or not text.strip():
        return ""
    raw = _PHONE_CHARS.sub("", text.strip())
    if raw.startswith("+"):
        digits = raw[1:]
    elif len(raw) == 11 and raw[0] == "8":
        digits = "7" + raw[1:]
    elif len(raw) == 10:
        digits = "7" + raw
    else:
        digits = raw
    if not digits.isdigit() or not 10 <= len(digits) <= 15:
        return None
    return "+" + digits


def needs_guardian(birth_date: date, today: date) -> bool:
    """Tell whether someone born on `birth_date` needs a guardian's consent today."""
    return age_on(birth_date, today) < GUARDIAN_AGE


def profile_problems(*, name: str, birth_date: date | None, phone: str | None, guardian_name: str | None,
                     guardian_phone: str | None, today: date) -> dict[str, list[str]]:
    """Check a person's details; return {field: [problem codes]} (empty when all is well)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, code: str) -> None:
        problems.setdefault(field, []).append(code)

    if not (name or "").strip():
        add("name", "required")
    if birth_date is None:
        add("birth_date", "required")
    elif birth_date > today:
        add("birth_date", "in_future")
    elif age_on(birth_date, today) > OLDEST_PLAUSIBLE_AGE:
        add("birth_date", "implausible")
    if phone and normalize_phone(phone) is None:
        add("phone", "invalid_phone")
    if birth_date is not None and birth_date <= today and needs_guardian(birth_date, today):
        if not (guardian_name or "").strip():
            add("guardian_name", "guardian_required")
        if not (guardian_phone or "").strip():
            add("guardian_phone", "guardian_required")
        elif normalize_phone(guardian_phone) is None:
            add("guardian_phone", "invalid_phone")
    elif guardian_phone and normalize_phone(guardian_phone) is None:
        add("guardian_phone", "invalid_phone")
    return problems


def _common_passwords() -> frozenset[str]:
    # zxcvbn (a maintained package) ships the 30,000 most common passwords of leaked lists, one line of
    # its generated `frequency_lists.py` (`"passwords": "123456,password,…".split(","),`). Importing it
    # would also load five other word lists and rank them all (~25 MB in every worker, none of it used
    # here): that one line is read instead, without running the package.
    spec = importlib.util.find_spec("zxcvbn")
    path = Path(spec.origin).with_name("frequency_lists.py")
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.strip().partition(": ")
        if key == '"passwords"' and value.endswith('.split(","),'):
            return frozenset(ast.literal_eval(value.removesuffix('.split(","),')).split(","))
    raise RuntimeError(f"no password list in {path}")


#: The most common passwords, lower-case ("12345678", "qwerty123", "password1"...).
COMMON_PASSWORDS = _common_passwords()
#: Fewer different characters than this is no password ("        ", "aaaaaaaa", "abababab").
MIN_DISTINCT_CHARACTERS = 4


def _personal_words(name: str | None, email: str | None) -> set[str]:
    """Return the parts of a person's name and email a password must not be built on."""
    words = set()
    for part in re.split(r"[\s.\-_@+]+", f"{name or ''} {(email or '').partition('@')[0]}".lower()):
        if len(part) >= 3:
            words.add(part)
    local = (email or "").partition("@")[0].lower()
    if len(local) >= 3:
        words.add(local)
    return words


def password_problems(password: str, confirm: str | None = None, *, name: str | None = None,
                      email: str | None = None) -> dict[str, list[str]]:
    """Check a new password (and its confirmation when given) against length, common passwords and the
    person's own name and email."""
    problems: dict[str, list[str]] = {}
    password = password or ""
    lowered = password.lower()
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        problems["password"] = ["too_short"]
    elif len(set(password)) < MIN_DISTINCT_CHARACTERS or lowered in COMMON_PASSWORDS:
        problems["password"] = ["too_common"]
    elif email and email.strip().lower() in lowered:
        problems["password"] = ["personal"]
    else:
        # Without the person's words, what is left must still be a password ("ivan2010" is not).
        rest = lowered
        for word in sorted(_personal_words(name, email), key=len, reverse=True):
            rest = rest.replace(word, "")
        if rest != lowered and (len(rest) < MIN_PASSWORD_LENGTH // 2 or rest.isdigit()
                                or rest in COMMON_PASSWORDS):
            problems["password"] = ["personal"]
    if confirm is not None and password != confirm:
        problems["password2"] = ["mismatch"]
    return problems


def locked_for_self(birth_date: date | None, today: date) -> bool:
    """Tell whether a person's birth date and guardian may be changed only by staff (a minor under
    GUARDIAN_AGE: the guardian's consent must not be dropped by the child)."""
    return birth_date is not None and birth_date <= today and needs_guardian(birth_date, today)

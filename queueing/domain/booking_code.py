"""Booking codes: short, read aloud and typed at a kiosk without confusion, with a check character.

The alphabet drops 0/O, 1/I/L and U, so a code never holds two characters a person could mix up.
Seven random characters (30^7, about 2.2e10 codes) and one Luhn mod N check character: a kiosk
tells a typo from an unknown code, and guessing a valid code is hopeless under the rate limit.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 7
LENGTH = RANDOM_LENGTH + 1
_VALUE = {char: index for index, char in enumerate(ALPHABET)}


class InvalidCode(ValueError):
    """Not a booking code: wrong length, a character outside the alphabet, or a bad check."""


def new_code() -> str:
    """A fresh random code with its check character, e.g. 'K7RM2QXA' (shown as 'K7RM-2QXA')."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def check_character(body: str) -> str:
    """Luhn mod N: catches every single wrong character and most swapped neighbours."""
    base, total, factor = len(ALPHABET), 0, 2
    for char in reversed(body):
        addend = factor * _VALUE[char]
        total += addend // base + addend % base
        factor = 1 if factor == 2 else 2
    return ALPHABET[(base - total % base) % base]


def normalize(text: str) -> str:
    """What a person typed or a QR scanner sent, as the stored code; raises InvalidCode."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != LENGTH or any(char not in _VALUE for char in code):
        raise InvalidCode("a booking code is 8 characters like K7RM-2QXA")
    if check_character(code[:-1]) != code[-1]:
        raise InvalidCode("this booking code has a typo")
    return code


def display(code: str) -> str:
    """'K7RM2QXA' -> 'K7RM-2QXA': two groups of four are easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"

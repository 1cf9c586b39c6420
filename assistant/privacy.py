"""Masking of phone, ID and bank-card numbers, for everything shown on a page or written to a log.

Applicants' data is personal data: whatever leaves the case database for display or storage of a
free-text question passes through `mask_text` (free text) or `mask_phone` (a known phone field).

People write numbers every which way — `139 1234 5678`, `139-1234-5678`, `+86 139…`, `0086-139…`,
full-width `１３９…`, `021-6123 4567`, an old 15-digit ID, a bank card in groups of four — so numbers
are found as runs of digits with the separators people put inside them, then judged by their digits.
"""

from __future__ import annotations

import re

# A run of digits, possibly with single spaces, dashes or dots between groups, and an optional
# international prefix (+86, 0086); an 18-digit ID may end in X. Full-width forms are folded first.
# A number inside a code (QP-2026-0101, GB50038-2005) is not personal data: a hyphen before it, or a
# letter or digit on either side, rules it out.
_NUMBER = re.compile(r"(?<![0-9A-Za-z\-])(?:\+|00)?\d(?:[ \-.]?\d){6,22}[Xx]?(?![0-9A-Za-z\-])")
_SEPARATORS = re.compile(r"[ \-.+]")
# Full-width digits and signs (１３９，＋８６) as half-width, leaving the rest of the text as typed.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９＋－　", "0123456789+- ")


def mask_phone(phone: str | None) -> str:
    """A phone field as shown: `139****5678`, `021****4567`; other numbers keep their last four digits."""
    digits = _national(re.sub(r"\D", "", (phone or "").translate(_HALF_WIDTH)))
    masked = _masked(digits)
    if masked is not None:
        return masked
    return "*" * (len(digits) - 4) + digits[-4:] if len(digits) > 4 else "****"


def mask_text(text: str) -> str:
    """Mask every phone, ID and bank-card number inside free text; everything else is left alone.

    Years, amounts and counts (2026年, 10000元, 163件) are too short or stand alone, so they stay.
    """
    return _NUMBER.sub(_mask_number, text.translate(_HALF_WIDTH))


def _mask_number(found: re.Match) -> str:
    written = found.group(0)
    masked = _masked(_national(_SEPARATORS.sub("", written)))
    return written if masked is None else masked


def _national(digits: str) -> str:
    """Digits without the international prefix: 0086 or 86 before a mobile number."""
    if digits.startswith("0086"):
        return digits[4:]
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def _masked(digits: str) -> str | None:
    """The masked form of a personal number, or None when the digits are not one."""
    if re.fullmatch(r"\d{17}[\dXx]|\d{15}", digits):  # resident ID, 18 or 15 characters
        return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"
    if re.fullmatch(r"1[3-9]\d{9}", digits):  # mobile
        return f"{digits[:3]}****{digits[-4:]}"
    if re.fullmatch(r"0\d{9,11}", digits):  # landline with its area code (021 6123 4567)
        return f"{digits[:-8]}****{digits[-4:]}"
    if re.fullmatch(r"\d{16,19}", digits):  # bank card
        return "*" * (len(digits) - 4) + digits[-4:]
    if re.fullmatch(r"\d{7,8}", digits):  # a local landline (6123 4567)
        return f"{digits[:2]}****{digits[-2:]}"
    return None

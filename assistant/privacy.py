"""Masking of phone and ID numbers, for everything shown on a page or written to a log.

Applicants' data is personal data: whatever leaves the case database for display or storage of a
free-text question passes through `mask_text` (free text) or `mask_phone` (a known phone field).
"""

from __future__ import annotations

import re

# 18-character resident ID (last may be X); 11-digit mobiles; landlines with or without area code.
_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)?(\d{2})\d{4}(\d{2})(?!\d)")


def mask_phone(phone: str | None) -> str:
    """`13812345678` → `138****5678`; shorter numbers keep only their last four digits."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "****"


def mask_text(text: str) -> str:
    """Mask every ID number and phone number inside free text; everything else is left alone."""
    text = _ID.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)

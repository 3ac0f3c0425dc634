"""Reading the dates partners actually send (d/m/Y, Y/m/d, timestamps) without ever guessing.

A date like 05/03/2024 is 5 March in d/m/Y and 3 May in m/d/Y: it is converted only when the caller
says the file is day-first (`fix --day-first`); otherwise it is reported and left alone.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

_YMD = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ][0-9:.+\-Z]*)?")
_XYZ = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
ISO_FORM = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class DateReading:
    iso: str | None  # the ISO date, when it can be told for certain
    form: str  # what the text looked like: "iso", "Y/m/d", "d/m/Y", "m/d/Y", "ambiguous", "unknown"


def _real(year: int, month: int, day: int) -> str | None:
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def read_date(text: str, *, day_first: bool = False) -> DateReading:
    text = text.strip()
    match = _YMD.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        iso = _real(year, month, day)
        return DateReading(iso, "iso" if iso == text else "Y/m/d") if iso else DateReading(None, "unknown")
    match = _XYZ.fullmatch(text)
    if not match:
        return DateReading(None, "unknown")
    first, second, year = (int(g) for g in match.groups())
    if first > 12 or first == second:
        iso, form = _real(year, second, first), "d/m/Y"
    elif second > 12:
        iso, form = _real(year, first, second), "m/d/Y"
    elif day_first:
        iso, form = _real(year, second, first), "d/m/Y"
    else:
        return DateReading(None, "ambiguous")
    return DateReading(iso, form) if iso else DateReading(None, "unknown")


def why_not_a_date(text: str) -> str | None:
    """Why a year-month-day date such as 2024-02-30 names no day of the calendar, or None (a real
    day, or not written year first: then the problem is the form, not the day)."""
    match = _YMD.fullmatch(text.strip())
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if _real(year, month, day):
        return None
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        return f"there is no year {year}"
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    days = calendar.monthrange(year, month)[1]
    return f"{calendar.month_name[month]} {year} has {days} days"

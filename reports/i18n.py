"""Interface languages of the report: strings from ``reports/translations/<code>.json``.

Each file has ``_language`` (code, native name, plural rule), ``_format`` (digits, separators, month
names, date patterns) and ``strings`` (key -> text, or {"one": ..., "other": ...} for plurals).
Texts use ``{name}`` placeholders; numbers passed in are formatted in the language's digits.
Translators edit only these files; a test checks every language has every key and placeholder.
Data values (URLs, ISP names, method codes) are never translated.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

TRANSLATIONS_PACKAGE = "reports.translations"
PLURAL_RULES = {
    # English: "1 website", "2 websites".
    "one_other": lambda n: "one" if n == 1 else "other",
    # Khmer has no grammatical plural.
    "other": lambda n: "other",
}


class TranslationError(KeyError):
    """A string key or placeholder is missing from a translation file; the message names it."""


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    english_name: str
    plural_rule: str
    digits: str
    group: str
    decimal: str
    months: tuple[str, ...]
    months_short: tuple[str, ...]
    month_year: str
    day_month_year: str
    strings: dict[str, Any]

    def text(self, key: str, **values: Any) -> str:
        """The string ``key`` with ``values`` filled in; ints and floats in this language's digits."""
        try:
            entry = self.strings[key]
        except KeyError:
            raise TranslationError(f"{self.code}.json has no string {key!r}") from None
        if isinstance(entry, dict):
            count = values.get("count", 0)
            entry = entry.get(PLURAL_RULES[self.plural_rule](count), entry.get("other", ""))
        if not values:
            return entry
        formatted = {k: self.number(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
                     for k, v in values.items()}
        try:
            return entry.format_map(formatted)
        except KeyError as exc:
            raise TranslationError(f"{self.code}.json string {key!r} uses unknown placeholder {exc}") from None

    def localise_digits(self, text: str) -> str:
        if self.digits == "0123456789":
            return text
        return text.translate(str.maketrans("0123456789", self.digits))

    def number(self, value: float | int | None, decimals: int = 0) -> str:
        if value is None:
            return "–"
        raw = f"{value:,.{decimals}f}"
        raw = raw.replace(",", "\x00").replace(".", self.decimal).replace("\x00", self.group)
        return self.localise_digits(raw)

    def percent(self, share: float | None, decimals: int = 1) -> str:
        if share is None:
            return "–"
        return self.text("format.percent", value=self.number(share * 100, decimals))

    def month(self, value: date | datetime | None) -> str:
        """"March 2024" / "មីនា ២០២៤"."""
        if value is None:
            return "–"
        return self.month_year.format(month=self.months[value.month - 1], year=self.localise_digits(str(value.year)))

    def month_short(self, value: date | datetime | None) -> str:
        """"Mar 2024" for column headers and chart axes (Khmer keeps full month names)."""
        if value is None:
            return "–"
        return self.month_year.format(
            month=self.months_short[value.month - 1], year=self.localise_digits(str(value.year))
        )

    def day(self, value: date | datetime | None) -> str:
        if value is None:
            return "–"
        return self.day_month_year.format(
            day=self.localise_digits(str(value.day)),
            month=self.months[value.month - 1],
            year=self.localise_digits(str(value.year)),
        )


def available_languages() -> list[str]:
    folder = resources.files(TRANSLATIONS_PACKAGE)
    return sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json"))


def load_language(code: str) -> Language:
    path = resources.files(TRANSLATIONS_PACKAGE).joinpath(f"{code}.json")
    if not path.is_file():
        raise TranslationError(f"no translation file reports/translations/{code}.json "
                               f"(available: {', '.join(available_languages())})")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TranslationError(f"reports/translations/{code}.json line {exc.lineno}: {exc.msg}") from None
    meta, fmt = raw["_language"], raw["_format"]
    if len(fmt["months"]) != 12 or len(fmt["months_short"]) != 12 or len(fmt["digits"]) != 10:
        raise TranslationError(f"reports/translations/{code}.json: _format needs 12 months (long and short) and 10 digits")
    return Language(
        code=meta["code"],
        name=meta["name"],
        english_name=meta["english_name"],
        plural_rule=meta["plural_rule"],
        digits=fmt["digits"],
        group=fmt["group"],
        decimal=fmt["decimal"],
        months=tuple(fmt["months"]),
        months_short=tuple(fmt["months_short"]),
        month_year=fmt["month_year"],
        day_month_year=fmt["day_month_year"],
        strings=raw["strings"],
    )


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}

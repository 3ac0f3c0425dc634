"""Reporting periods: calendar years and the July-June years of the iMAP reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    """Whole months from ``first_month`` to ``last_month`` inclusive (both the 1st of a month)."""

    first_month: date
    last_month: date

    @property
    def start(self) -> date:
        return self.first_month

    @property
    def end(self) -> date:
        """Last day of the period, inclusive."""
        return add_months(self.last_month, 1) - timedelta(days=1)

    @property
    def months(self) -> list[date]:
        months, month = [], self.first_month
        while month <= self.last_month:
            months.append(month)
            month = add_months(month, 1)
        return months

    @property
    def label(self) -> str:
        """"2024" for a calendar year, "2023-07/2024-06" otherwise."""
        if self.first_month.month == 1 and self.last_month == date(self.first_month.year, 12, 1):
            return str(self.first_month.year)
        return f"{self.first_month:%Y-%m}/{self.last_month:%Y-%m}"

    @property
    def partition_key(self) -> str:
        """The Dagster partition key of the yearly report asset for this period."""
        if self.first_month.month == 1:
            return str(self.first_month.year)
        return f"{self.first_month:%Y-%m}"

    def previous(self) -> Period:
        months = len(self.months)
        return Period(add_months(self.first_month, -months), add_months(self.first_month, -1))


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def period_for_year(year: int, start_month: int = 1) -> Period:
    """The reporting year named ``year``.

    With ``start_month`` 1 it is the calendar year. Otherwise it is the twelve months that *end* in
    ``year``, as the iMAP reports name them: year 2024 with start month 7 is July 2023 to June 2024.
    """
    if not 1 <= start_month <= 12:
        raise ValueError(f"period start month must be 1..12, got {start_month}")
    if not 2000 <= year <= 2100:
        raise ValueError(f"year out of range: {year}")
    if start_month == 1:
        return Period(date(year, 1, 1), date(year, 12, 1))
    first = date(year - 1, start_month, 1)
    return Period(first, add_months(first, 11))

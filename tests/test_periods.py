from __future__ import annotations

from datetime import date

import pytest

from warehouse.periods import period_for_year


def test_calendar_year() -> None:
    period = period_for_year(2024)
    assert (period.start, period.end) == (date(2024, 1, 1), date(2024, 12, 31))
    assert period.label == "2024" and period.partition_key == "2024"
    assert len(period.months) == 12
    assert period.previous().label == "2023"


def test_july_june_year_is_named_by_the_year_it_ends_in() -> None:
    period = period_for_year(2024, 7)
    assert (period.start, period.end) == (date(2023, 7, 1), date(2024, 6, 30))
    assert period.label == "2023-07/2024-06"
    assert period.partition_key == "2023-07"
    assert period.previous().start == date(2022, 7, 1)


@pytest.mark.parametrize(("year", "month"), [(2024, 0), (2024, 13), (1999, 1)])
def test_bad_periods_are_refused(year: int, month: int) -> None:
    with pytest.raises(ValueError):
        period_for_year(year, month)

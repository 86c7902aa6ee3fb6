import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dangvien.rules.calendar import (
    add_working_days,
    is_working_day,
    skipped_days,
    worked_weekend_days,
    working_days_between,
)

D = dt.date


def test_known_due_dates_across_tet_and_bridges():
    assert add_working_days(D(2017, 1, 20), 10) == D(2017, 2, 10)  # Tết 26/01–01/02/2017
    assert add_working_days(D(2018, 2, 13), 1) == D(2018, 2, 21)  # Tết 14–20/02/2018
    # 31/12/2018 was a day off in exchange for Saturday 05/01/2019, a working day.
    assert add_working_days(D(2018, 12, 28), 3) == D(2019, 1, 4)
    assert add_working_days(D(2019, 1, 4), 1) == D(2019, 1, 5)
    assert is_working_day(D(2019, 1, 5)) and not is_working_day(D(2018, 12, 31))


def test_the_start_day_is_not_counted():
    assert add_working_days(D(2017, 6, 5), 0) == D(2017, 6, 5)
    assert add_working_days(D(2017, 6, 5), 1) == D(2017, 6, 6)  # Monday → Tuesday
    assert add_working_days(D(2017, 6, 9), 1) == D(2017, 6, 12)  # Friday → Monday


@given(st.dates(min_value=D(2012, 1, 1), max_value=D(2026, 6, 30)), st.integers(1, 120))
def test_due_date_is_the_nth_working_day(start, n):
    due = add_working_days(start, n)
    assert due > start
    assert is_working_day(due)
    assert working_days_between(start, due) == n
    assert working_days_between(start, due - dt.timedelta(days=1)) == n - 1


def test_the_latest_announced_swap_is_known():
    """The pinned `holidays` knows 2026's swap: Monday 31/08 off for Saturday 22/08."""
    assert not is_working_day(D(2026, 8, 31)) and is_working_day(D(2026, 8, 22))
    assert add_working_days(D(2026, 8, 28), 1) == D(2026, 9, 3)  # 31/08, 01–02/09 off


def test_recorded_days_off_and_worked_days_are_honoured():
    off, worked = D(2017, 6, 5), D(2017, 6, 10)  # a Monday, a Saturday
    assert add_working_days(D(2017, 6, 2), 1) == off
    assert add_working_days(D(2017, 6, 2), 1, {off: False}) == D(2017, 6, 6)
    assert add_working_days(D(2017, 6, 9), 1, {worked: True}) == worked
    assert working_days_between(D(2017, 6, 2), D(2017, 6, 12), {off: False, worked: True}) == 6
    skipped = skipped_days(D(2017, 6, 2), D(2017, 6, 12), {off: False, worked: True})
    assert [(s.day, s.reason) for s in skipped] == [
        (D(2017, 6, 3), "weekend"),
        (D(2017, 6, 4), "weekend"),
        (off, "override"),
        (D(2017, 6, 11), "weekend"),
    ]
    assert worked_weekend_days(D(2017, 6, 2), D(2017, 6, 12), {worked: True}) == [worked]


def test_holidays_are_skipped_with_their_vietnamese_name():
    skipped = skipped_days(D(2017, 1, 20), D(2017, 2, 10))
    names = {s.day: s.name for s in skipped if s.reason == "holiday"}
    assert names[D(2017, 1, 28)] == "Tết Nguyên Đán"

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dangvien.rules.calendar import add_working_days, is_working_day, working_days_between

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

"""`core.memo`: an answer kept for one request, forgotten at any write in it."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangvien.core import memo
from dangvien.core.memo import RequestMemoMiddleware
from dangvien.records.exits import death_of, shown_death

pytestmark = pytest.mark.django_db


def in_request(fn):
    """`fn()` as a view run inside the middleware."""
    out = {}
    RequestMemoMiddleware(lambda request: out.setdefault("r", fn()))(None)
    return out["r"]


def test_an_answer_is_kept_within_a_request_and_not_outside(org):
    def page():
        first = shown_death(org.binh)
        with CaptureQueriesContext(connection) as q:
            again = shown_death(org.binh)
        return first, again, len(q.captured_queries)

    first, again, asked = in_request(page)
    assert first is again is None and asked == 0
    with CaptureQueriesContext(connection) as q:
        shown_death(org.binh)
    assert len(q.captured_queries) > 0  # outside a request: asked each time


def test_a_write_in_the_request_is_seen(org):
    def page():
        before = shown_death(org.binh)
        m = org.binh.memberships.get()
        m.exit_on, m.exit_reason = dt.date(2018, 6, 1), "DEATH"
        m.save(update_fields=["exit_on", "exit_reason"])
        m.exits.create(on=m.exit_on, reason="DEATH")
        return before, shown_death(org.binh)

    before, after = in_request(page)
    assert before is None and after is not None and after == death_of(org.binh)
    assert memo._memo.get() is None

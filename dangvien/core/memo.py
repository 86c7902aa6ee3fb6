"""Answers a page asks several times, kept for one request (`kept`).

The person page's sections each ask whether the person has died and who keeps their
record (a few queries each, asked by the view and three of its template tags). Inside a
request `RequestMemoMiddleware` keeps the first answer; any save or delete of a row in
the request forgets them all (`forget`, a signal receiver), so an answer never outlives
a write. Outside a request (commands, tasks, tests calling the functions) nothing is
kept. Only display code asks through here: the writers ask the functions themselves.
"""

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("dangvien_request_memo", default=None)


def kept(key: Hashable, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget(*args: Any, **kwargs: Any) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.clear()


post_save.connect(forget, dispatch_uid="dangvien_request_memo_save")
post_delete.connect(forget, dispatch_uid="dangvien_request_memo_delete")
m2m_changed.connect(forget, dispatch_uid="dangvien_request_memo_m2m")


class RequestMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)

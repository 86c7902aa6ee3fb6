"""Locust users browsing as party offices do: run by `bench/load.py`, which prepares the
plan (LOAD_PLAN: a JSON file of logged-in sessions with two-factor passed, and per
session the units, people and names of its scope) and starts gunicorn.

Every page must answer 200 without a redirect: a redirect to the login or two-factor
page, an error page or a timeout counts as a failure.
"""

import itertools
import json
import os
import random

from locust import HttpUser, between, task

with open(os.environ["LOAD_PLAN"], encoding="utf-8") as f:
    PLAN = json.load(f)
SESSIONS = PLAN["sessions"]
WAIT = (float(os.environ.get("LOAD_WAIT_MIN", "1")), float(os.environ.get("LOAD_WAIT_MAX", "5")))
_next = itertools.count()


class Office(HttpUser):
    """One officer at a desk: a national, province or ward session, in turn."""

    wait_time = between(*WAIT)

    def on_start(self) -> None:
        self.who = SESSIONS[next(_next) % len(SESSIONS)]
        self.client.cookies.set(PLAN["cookie"], self.who["cookie"])
        self.rng = random.Random()

    def get(self, url: str, name: str) -> None:
        with self.client.get(
            url, name=name, allow_redirects=False, catch_response=True, timeout=60
        ) as response:
            if response.status_code != 200:
                where = response.headers.get("Location", "")
                response.failure(f"{response.status_code} {where}".strip())
            else:
                response.success()

    def unit(self) -> str:
        return self.rng.choice(self.who["units"])

    @task(3)
    def dashboard(self) -> None:
        self.get("/dashboard/", "dashboard")

    @task(5)
    def people(self) -> None:
        self.get(f"/people/?unit={self.unit()}", "people list")

    @task(4)
    def search(self) -> None:
        self.get(f"/people/?q={self.rng.choice(self.who['names'])}", "people search")

    @task(6)
    def person(self) -> None:
        self.get(f"/people/{self.rng.choice(self.who['people'])}/", "person page")

    @task(2)
    def tree(self) -> None:
        self.get("/units/", "unit tree")

    @task(2)
    def statistics(self) -> None:
        self.get(f"/statistics/?unit={self.unit()}", "statistics")

    @task(1)
    def coverage(self) -> None:
        self.get("/statistics/coverage/", "coverage")

    @task(2)
    def candidates(self) -> None:
        self.get("/candidates/", "candidates")

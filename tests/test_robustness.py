"""No input reaches a 500; two people changing one dossier at once: exactly one wins."""

import threading

import pytest
from django.db import connection, connections
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangvien.admission import services
from dangvien.admission.models import Candidate, Event
from dangvien.admission.services import ChangedMeanwhile, Step

from .admission_helpers import LATER, K, lan

junk = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "31/02/2017",
            "2017-13-01",
            "9" * 30,
            "'; DROP TABLE x; --",
            "%00",
            "<script>",
            "PLEIKU",
            "A1",
            "1e9",
            "null",
            "ÿ",
        ]
    ),
)
# Derandomised: CI explores the same cases each run, so a red run always means a change
# broke something (new cases appear when the code or the strategies change).
fuzz = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@fuzz
@given(date=junk, unit=junk, fmt=junk)
def test_statistics_never_500(client, personas, date, unit, fmt):
    client.force_login(personas.ward_a_officer)
    response = client.get(reverse("statistics"), {"date": date, "unit": unit, "format": fmt})
    assert response.status_code < 500


@fuzz
@given(q=junk, unit=junk, status=junk, age_min=junk, age_max=junk, ethnicity=junk, page=junk)
def test_people_list_never_500(
    client, personas, q, unit, status, age_min, age_max, ethnicity, page
):
    client.force_login(personas.city_officer)
    response = client.get(
        reverse("person_list"),
        {
            "q": q,
            "unit": unit,
            "status": status,
            "age_min": age_min,
            "age_max": age_max,
            "ethnicity": ethnicity,
            "page": page,
        },
    )
    assert response.status_code < 500


@fuzz
@given(name=junk, born=junk, cccd=junk, cell=junk, listed=junk, tags=st.lists(junk, max_size=3))
def test_candidate_form_never_500(client, personas, name, born, cccd, cell, listed, tags):
    client.force_login(personas.ward_a_officer)
    response = client.post(
        reverse("candidate_new"),
        {
            "cell": cell,
            "listed_on": listed,
            "full_name": name,
            "birth_date": born,
            "sex": "F",
            "citizen_id": cccd,
            "ethnicity": "01",
            "religion": "00",
            "general_education": "UPPER_SECONDARY",
            "professional": "NONE",
            "occupation": "OTHER",
            "tags": tags,
        },
    )
    assert response.status_code < 500


@fuzz
@given(kind=junk, date=junk, full=junk, favour=junk, version=junk, introducer=junk)
def test_step_form_never_500(client, personas, org, kind, date, full, favour, version, introducer):
    c = Candidate.objects.first() or lan(org)
    client.force_login(personas.secretary_a)
    response = client.post(
        reverse("candidate_detail", args=[c.pk]),
        {
            "kind": kind,
            "date": date,
            "full_members": full,
            "in_favour": favour,
            "version": version,
            "introducer": introducer,
        },
    )
    assert response.status_code < 500


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_exactly_one_wins(org):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs a database that threads share (PostgreSQL); SQLite tests run "
            "in memory, one database per connection"
        )
    c = lan(org)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(day):
        try:
            candidate = Candidate.objects.get(pk=c.pk)
            barrier.wait()
            services.record(
                candidate,
                Step(kind=K.APPLICATION, date=day),
                by=None,
                version=c.version,
                today=LATER,
            )
            outcomes.append("won")
        except ChangedMeanwhile:
            outcomes.append("changed by someone else")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=attempt, args=(d,))
        for d in (c.listed_on.replace(day=2), c.listed_on.replace(day=3))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["changed by someone else", "won"]
    assert Event.objects.filter(candidate=c, kind=K.APPLICATION).count() == 1
    c.refresh_from_db()
    assert c.version == 1


def test_nul_characters_are_refused_everywhere(client, personas):
    client.force_login(personas.city_officer)
    assert client.get("/statistics/", {"unit": "PLEI\x00KU"}).status_code == 400
    assert client.get("/people/", {"q": "a\x00"}).status_code == 400
    response = client.post(
        "/api/rules/check", '{"person": {"birth_date": "\\u0000"}}', content_type="application/json"
    )
    assert response.status_code == 400 and "NUL" in response.json()["error"]

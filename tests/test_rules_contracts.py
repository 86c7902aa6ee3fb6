"""The contracts other tools rely on: `dangvien rules check`, `dangvien deadlines`,
POST /api/rules/check."""

import json
import subprocess
import sys

import pytest

from .test_rules import dossier

DANGVIEN = [sys.executable, "-m", "dangvien"]


def run(*args, stdin=None):
    return subprocess.run(
        [*DANGVIEN, *args], input=stdin, capture_output=True, text=True, timeout=60
    )


def test_rules_check_json_from_a_file(tmp_path):
    path = tmp_path / "d.json"
    bad = dossier(cell_vote={"date": "2017-07-03", "full_members": 12, "in_favour": 7})
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = run("rules", "check", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["rule_set"] == "2016"
    assert [f["rule"] for f in out["findings"]] == ["vote.cell"]
    assert out["findings"][0]["severity"] == "blocking"


def test_rules_check_with_a_named_rule_set_and_text_output():
    result = run("rules", "check", "-", "--rule-set", "2021", stdin=json.dumps(dossier()))
    assert result.returncode == 0
    assert "2021" in result.stdout and "Không có vướng mắc" in result.stdout


@pytest.mark.parametrize(
    ("stdin", "args", "says"),
    [
        ("{not json", [], "không phải JSON"),
        ('{"person": {}}', [], "person.birth_date"),
        (json.dumps(dossier()), ["--rule-set", "1999"], "1999"),
    ],
)
def test_rules_check_malformed_input_exits_2(stdin, args, says):
    result = run("rules", "check", "-", *args, stdin=stdin)
    assert result.returncode == 2
    assert says in result.stderr


def test_deadlines_prints_the_iso_due_date():
    result = run("deadlines", "--from", "2017-01-20", "--working-days", "10")
    assert result.returncode == 0 and result.stdout.strip() == "2017-02-10"
    result = run("deadlines", "--from", "20/01/2017", "--working-days", "10")
    assert result.returncode == 2 and "20/01/2017" in result.stderr


def test_api_rules_check(client, personas):
    client.force_login(personas.secretary_a)
    bad = dossier(verification={"required": 4, "answered": 2})
    response = client.post("/api/rules/check", json.dumps(bad), content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["rule_set"] == "2016"
    assert body["findings"][0]["rule"] == "verification.complete"
    response = client.post(
        "/api/rules/check?rule_set=2025", json.dumps(dossier()), content_type="application/json"
    )
    assert response.json()["rule_set"] == "2025"


def test_api_rules_check_refuses_bad_input_and_anonymous_users(client, personas):
    response = client.post("/api/rules/check", "{}", content_type="application/json")
    assert response.status_code == 401
    client.force_login(personas.city_officer)
    response = client.post(
        "/api/rules/check",
        json.dumps({"person": {"birth_date": "x"}}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "person.birth_date" in response.json()["error"]
    response = client.post("/api/rules/check", "[1, 2", content_type="application/json")
    assert response.status_code in (400, 422)


def test_api_docs_and_schema(client, personas):
    client.force_login(personas.city_officer)
    assert client.get("/api/docs").status_code == 200
    schema = client.get("/api/openapi.json").json()
    assert "/api/rules/check" in schema["paths"]


def test_grassroots_votes_in_the_dossier_json(client, personas, tmp_path):
    """`grassroots_vote` and `confirmation.grassroots_vote` count the committee's members
    and are checked under `vote.grassroots`, on the command line and in the API alike."""
    data = dossier(
        grassroots_vote={"date": "2017-07-20", "committee_members": 9, "in_favour": 5},
        confirmation={
            "cell_vote": {"date": "2018-09-25", "full_members": 12, "in_favour": 12},
            "grassroots_vote": {"date": "2018-10-05", "committee_members": 7, "in_favour": 5},
        },
    )
    path = tmp_path / "d.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run("rules", "check", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [f["rule"] for f in findings] == ["vote.grassroots"]
    assert "5/9 cấp ủy viên" in findings[0]["message"]
    client.force_login(personas.secretary_a)
    data["confirmation"]["grassroots_vote"]["in_favour"] = 4
    response = client.post("/api/rules/check", json.dumps(data), content_type="application/json")
    messages = [f["message"] for f in response.json()["findings"] if f["rule"] == "vote.grassroots"]
    assert len(messages) == 2 and "4/7 cấp ủy viên" in messages[1]
    data["grassroots_vote"]["committee_members"] = "nine"
    response = client.post("/api/rules/check", json.dumps(data), content_type="application/json")
    assert response.status_code == 400
    assert "grassroots_vote.committee_members" in response.json()["error"]

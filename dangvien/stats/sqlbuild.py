"""`rebuild()` in SQL: every person's contribution and the counts' changes and checkpoints
computed by the database, so that the rebuild of a national database (six million members) is a few
statements over whole tables rather than a Python loop over persons.

It mirrors `contrib.contribution` step by step, on both SQLite and PostgreSQL (the SQL
differs only in the JSON and date functions, `Dialect`):

1. `stats_us`: each unit with each superior committee on its path (from Python: the
   paths are short strings), and `stats_usup` the same as one JSON list per unit.
2. `stats_seg`: each stint cut to its membership (ceremony ≤ day < exit).
3. `stats_isl`: each membership's exemptions merged into disjoint islands (gaps and
   islands with window functions, as `contrib.union`).
4. `stats_part`: the periods as member (`s`), full member (`o`, from `confirmed_on`) and
   exempt (`x`, a segment cut to an island), and the admissions (`a`, open from the
   decision: `stats_adm`, each membership's first admitting stint).
5. `stats_ev`: +1 on each period's first day and −1 on its end, once per superior unit,
   with the person's attributes.
6. Per key family (`families`): the changes per unit, key and day (one GROUP BY) into
   `stats_unitcount`, the checkpoint after each month with a change (a window sum of the
   months' changes) into `stats_checkpoint`, and the keys into `stats_statkey`.
7. `stats_personstat`: each person's stored contribution as JSON, in the form
   `contrib.encode` writes (the attributes, then the periods with their superior units).

`tests/test_stats.py` compares the result with the reports recounted from the rows and
with the Python contribution of each person.
"""

import datetime as dt
import json
from dataclasses import dataclass

from django.db import connection

from dangvien.people.models import COLLEGE_OR_HIGHER, GeneralEducation, Sex
from dangvien.reference.models import Ethnicity, Religion

from .contrib import ADMITTED
from .models import Checkpoint, PersonStat, StatKey, UnitCount

P = PersonStat._meta.db_table
T = UnitCount._meta.db_table
C = Checkpoint._meta.db_table
K = StatKey._meta.db_table
TEMP = (
    "stats_us",
    "stats_usup",
    "stats_seg",
    "stats_isl",
    "stats_adm",
    "stats_part",
    "stats_ev",
)
TEMP_FAMILY = "stats_fam"
# the periods counted under one key each
PARTS = {"o": "official", "x": "exempt", "a": "admitted"}
FAR = "9999-12-31"  # an exemption with no end, while islands are merged
LAST_MONTH = dt.date(9999, 12, 1)
# The birth month of a birth-day key ("d:03:1975-03-14", "bd:03-14" → 3), 0 for the
# others: `store.key_month` in SQL.
KEY_MONTH = """CASE WHEN "key" LIKE 'd:%' THEN CAST(SUBSTR("key", 3, 2) AS INTEGER)
    WHEN "key" LIKE 'bd:%' THEN CAST(SUBSTR("key", 4, 2) AS INTEGER) ELSE 0 END"""


@dataclass(frozen=True)
class Dialect:
    ym: str  # the birth month key of `ev.bd`
    dk: str  # the birth day key
    bk: str  # the day-of-year key
    obj: str
    arr: str
    agg: str
    empty: str  # an aggregate over no row
    json: str  # a JSON value read back from a subquery (SQLite loses its JSON type there)
    ids: str  # the JSON list of `u.ids`
    ids_type: str
    next_month: str  # the first day of the month after `day`


SQLITE = Dialect(
    ym="'ym:' || substr(bd, 1, 7)",
    dk="'d:' || substr(bd, 6, 2) || ':' || bd",
    bk="'bd:' || substr(bd, 6, 5)",
    obj="json_object",
    arr="json_array",
    agg="json_group_array",
    empty="COALESCE({}, '[]')",
    json="json({})",
    ids="json(u.ids)",
    ids_type="text",
    next_month="date(day, 'start of month', '+1 month')",
)
POSTGRESQL = Dialect(
    ym="'ym:' || to_char(bd, 'YYYY-MM')",
    dk="'d:' || to_char(bd, 'MM') || ':' || to_char(bd, 'YYYY-MM-DD')",
    bk="'bd:' || to_char(bd, 'MM-DD')",
    obj="jsonb_build_object",
    arr="jsonb_build_array",
    agg="jsonb_agg",
    empty="COALESCE({}, '[]'::jsonb)",
    json="{}",
    ids="u.ids",
    ids_type="jsonb",
    next_month="CAST(date_trunc('month', day) + interval '1 month' AS date)",
)


def dialect() -> Dialect:
    return POSTGRESQL if connection.vendor == "postgresql" else SQLITE


def least_end(x: str, y: str) -> str:
    """The earlier of two ends, a missing end being none (open)."""
    return (
        f"CASE WHEN {x} IS NULL THEN {y} WHEN {y} IS NULL THEN {x} "
        f"WHEN {x} < {y} THEN {x} ELSE {y} END"
    )


def later(x: str, y: str) -> str:
    return f"CASE WHEN {x} > {y} THEN {x} ELSE {y} END"


Family = tuple[str, str, str, list[object]]


def families(d: Dialect) -> list[Family]:
    """Each key family of `contrib.person_keys` over `stats_ev`: the key expression, what
    to group by besides the unit and the day, and which changes it counts (with the
    parameters of that filter)."""
    member = "part = 's'"
    values: list[Family] = [
        ("'members'", "", member, []),
        ("'sex:' || sex", ", sex", member, []),
        ("'eth:' || eth", ", eth", member, []),
        ("'rel:' || rel", ", rel", member, []),
        ("'ge:' || ge", ", ge", member, []),
        ("'pro:' || pro", ", pro", member, []),
        ("'pt:' || pt", ", pt", member, []),
        ("'occ:' || occ", ", occ", member, []),
        (d.ym, f", {d.ym}", member, []),
        (d.dk, ", bd", member, []),
        (d.bk, f", {d.bk}", member, []),
    ]
    marks = ", ".join(["%s"] * len(COLLEGE_OR_HIGHER))
    flags: list[tuple[str, str, list[object]]] = [
        ("women", "sex = %s", [Sex.FEMALE.value]),
        ("ethnic_minority", "eth <> %s", [Ethnicity.KINH]),
        ("religious", "rel <> %s", [Religion.NONE]),
        ("upper_secondary", "ge = %s", [GeneralEducation.UPPER_SECONDARY.value]),
        ("college_or_higher", f"pro IN ({marks})", [c.value for c in COLLEGE_OR_HIGHER]),
        ("youth_union", "yu = %s", [True]),
        ("business_owner", "bo = %s", [True]),
    ]
    values += [(f"'{name}'", "", f"{member} AND {cond}", params) for name, cond, params in flags]
    values += [(f"'{key}'", "", "part = %s", [part]) for part, key in PARTS.items()]
    return values


def units(cur, superiors: dict[int, list[int]], d: Dialect) -> None:
    """Step 1: the temporary tables of each unit's superior committees."""
    from .store import write_rows

    for t in (*TEMP, TEMP_FAMILY):
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    cur.execute("CREATE TEMPORARY TABLE stats_us (unit_id integer, sup_id integer)")
    cur.execute(
        f"CREATE TEMPORARY TABLE stats_usup (unit_id integer PRIMARY KEY, ids {d.ids_type})"
    )
    pairs = [(u, s) for u, ids in superiors.items() for s in ids]
    lists = [(u, json.dumps(ids)) for u, ids in superiors.items() if ids]
    write_rows(cur, "stats_us", ["unit_id", "sup_id"], pairs)
    write_rows(cur, "stats_usup", ["unit_id", "ids"], lists)


def admissions(cur) -> None:
    """`stats_adm`: each membership's admission (its decision day) in the unit of its first
    admitting stint, as `contrib.contribution` takes it."""
    cur.execute(
        """CREATE TEMPORARY TABLE stats_adm AS
        SELECT person_id, unit_id, day FROM (
            SELECT m.person_id, s.unit_id, m.decision_on AS day, ROW_NUMBER() OVER (
                PARTITION BY s.membership_id ORDER BY s.start_on, s.id) AS k
            FROM membership_stint s JOIN membership_membership m ON m.id = s.membership_id
            WHERE s.reason_in = %s) q
        WHERE k = 1 AND day IS NOT NULL AND unit_id IN (SELECT unit_id FROM stats_usup)""",
        [ADMITTED],
    )


def attributes(d: Dialect) -> str:
    """A person's attributes as the stored contribution holds them (`p`, `e`, `r`: the
    person, ethnicity and religion rows)."""
    return f"""{d.obj}('birth_date', p.birth_date, 'sex', p.sex, 'eth', e.code,
        'rel', r.code, 'general_education', p.general_education,
        'professional', p.professional, 'political_theory', p.political_theory,
        'occupation', p.occupation, 'youth_union_member', p.youth_union_member,
        'business_owner', p.business_owner)"""


def add_admitted(cur, superiors: dict[int, list[int]]) -> int:
    """Add the `admitted` running totals to counts built before they existed (the
    migration `stats.0004_admitted`, on the running totals the counts were kept as until
    `stats.0009_checkpoints` converted them), and each person's admissions (`a`) to their stored
    contribution, from the rows: what `build` would have written for them. Returns the
    number of totals written."""
    d = dialect()
    units(cur, superiors, d)
    admissions(cur)
    cur.execute(
        """CREATE TEMPORARY TABLE stats_fam AS
        SELECT us.sup_id AS unit_id, 'admitted' AS "key", t.day, COUNT(*) AS d
        FROM stats_adm t JOIN stats_us us ON us.unit_id = t.unit_id
        GROUP BY us.sup_id, t.day"""
    )
    cur.execute(
        f"""INSERT INTO {T} (unit_id, "key", since, n)
        SELECT unit_id, "key", day, SUM(d) OVER (PARTITION BY unit_id ORDER BY day)
        FROM stats_fam"""
    )
    rows = cur.rowcount
    cur.execute(f"""INSERT INTO {K} (unit_id, "key", month) SELECT DISTINCT unit_id, "key", 0
        FROM stats_fam""")
    a = f"{d.agg}({d.arr}({d.ids}, t.day, NULL))"
    per_person = f"""SELECT t.person_id, {a} AS a FROM stats_adm t
        JOIN stats_usup u ON u.unit_id = t.unit_id GROUP BY t.person_id"""
    merged = (
        "data || jsonb_build_object('a', g.a)"
        if connection.vendor == "postgresql"
        else "json_set(data, '$.a', json(g.a))"
    )
    cur.execute(
        f"""UPDATE {P} SET data = {merged} FROM ({per_person}) g
        WHERE {P}.person_id = g.person_id"""
    )
    # Admitted, but never a member in a superior's subtree: a contribution of its own.
    cur.execute(
        f"""INSERT INTO {P} (person_id, data)
        SELECT p.id, {d.obj}('p', {attributes(d)}, 's', {d.arr}(), 'o', {d.arr}(),
            'x', {d.arr}(), 'a', {d.json.format("g.a")})
        FROM ({per_person}) g
        JOIN people_person p ON p.id = g.person_id
        JOIN reference_ethnicity e ON e.id = p.ethnicity_id
        JOIN reference_religion r ON r.id = p.religion_id
        WHERE NOT EXISTS (SELECT 1 FROM {P} s WHERE s.person_id = g.person_id)"""
    )
    for t in (*TEMP, TEMP_FAMILY):
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    return rows


def build(cur, superiors: dict[int, list[int]]) -> tuple[int, int]:
    """Write every person's contribution to `stats_personstat`, and the changes,
    checkpoints and keys they make to `stats_unitcount`, `stats_checkpoint` and
    `stats_statkey` (all four empty before). Returns the number of persons counted and of
    changes written."""
    d = dialect()
    units(cur, superiors, d)

    # 2. Stints cut to their membership (contrib.intersect).
    a = later("s.start_on", "m.ceremony_on")
    b = least_end("s.end_on", "m.exit_on")
    cur.execute(
        f"""CREATE TEMPORARY TABLE stats_seg AS
        SELECT person_id, mid, unit_id, a, b, c FROM (
            SELECT m.person_id, m.id AS mid, s.unit_id, {a} AS a, {b} AS b,
                m.confirmed_on AS c
            FROM membership_stint s JOIN membership_membership m ON m.id = s.membership_id
            WHERE s.unit_id IN (SELECT unit_id FROM stats_usup)) q
        WHERE b IS NULL OR a < b"""
    )
    # 3. Each membership's exemptions as disjoint islands (contrib.union: a period that
    # starts on or before the latest end so far joins the island).
    cur.execute(
        """CREATE TEMPORARY TABLE stats_isl AS
        SELECT mid, MIN(start_on) AS a, NULLIF(MAX(e), %s) AS b FROM (
            SELECT mid, start_on, e, SUM(fresh) OVER (
                PARTITION BY mid ORDER BY start_on, e ROWS UNBOUNDED PRECEDING) AS g
            FROM (
                SELECT mid, start_on, e, CASE WHEN start_on <= MAX(e) OVER (
                    PARTITION BY mid ORDER BY start_on, e
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0 ELSE 1 END AS fresh
                FROM (SELECT membership_id AS mid, start_on, COALESCE(end_on, %s) AS e
                      FROM records_exemption
                      WHERE membership_id IN (SELECT mid FROM stats_seg)) x) y) z
        GROUP BY mid, g""",
        [FAR, FAR],
    )
    # 4. The periods: member, full member, exempt; the admissions.
    admissions(cur)
    oa = later("a", "c")
    xa = later("g.a", "i.a")
    xb = least_end("g.b", "i.b")
    cur.execute(
        f"""CREATE TEMPORARY TABLE stats_part AS
        SELECT person_id, 's' AS part, unit_id, a, b FROM stats_seg
        UNION ALL
        SELECT person_id, 'o', unit_id, {oa}, b FROM stats_seg
        WHERE c IS NOT NULL AND (b IS NULL OR {oa} < b)
        UNION ALL
        SELECT person_id, 'x', unit_id, xa, xb FROM (
            SELECT g.person_id, g.unit_id, {xa} AS xa, {xb} AS xb
            FROM stats_seg g JOIN stats_isl i ON i.mid = g.mid) q
        WHERE xb IS NULL OR xa < xb
        UNION ALL
        SELECT person_id, 'a', unit_id, day, NULL FROM stats_adm"""
    )
    # 5. The changes, once per superior unit, with the person's attributes.
    person = """p.sex, e.code AS eth, r.code AS rel, p.general_education AS ge,
        p.professional AS pro, p.political_theory AS pt, p.occupation AS occ,
        p.birth_date AS bd, p.youth_union_member AS yu, p.business_owner AS bo"""
    joins = """JOIN stats_us us ON us.unit_id = t.unit_id
        JOIN people_person p ON p.id = t.person_id
        JOIN reference_ethnicity e ON e.id = p.ethnicity_id
        JOIN reference_religion r ON r.id = p.religion_id"""
    cur.execute(
        f"""CREATE TEMPORARY TABLE stats_ev AS
        SELECT us.sup_id, t.part, t.a AS day, 1 AS delta, {person} FROM stats_part t {joins}
        UNION ALL
        SELECT us.sup_id, t.part, t.b, -1, {person} FROM stats_part t {joins}
        WHERE t.b IS NOT NULL"""
    )
    if connection.vendor == "postgresql":
        cur.execute("ANALYZE stats_ev")
    # 6. Per key family: the changes per unit, key and day (a day whose changes cancel
    # adds no row), the checkpoint after each month that has one (the total of the
    # changes up to that month's end) and the keys each unit has.
    rows = 0
    for key, group, cond, params in families(d):
        cur.execute(
            f"""CREATE TEMPORARY TABLE stats_fam AS
            SELECT sup_id AS unit_id, {key} AS "key", day, SUM(delta) AS d FROM stats_ev
            WHERE {cond} GROUP BY sup_id, day{group}""",
            params,
        )
        cur.execute(
            f"""INSERT INTO {T} (unit_id, "key", since, n)
            SELECT unit_id, "key", day, d FROM stats_fam WHERE d <> 0"""
        )
        rows += cur.rowcount
        cur.execute(
            f"""INSERT INTO {C} (unit_id, "key", at, n)
            SELECT unit_id, "key", at, SUM(d) OVER (PARTITION BY unit_id, "key" ORDER BY at)
            FROM (SELECT unit_id, "key", {d.next_month} AS at, SUM(d) AS d
                  FROM stats_fam WHERE d <> 0 AND day < %s
                  GROUP BY unit_id, "key", {d.next_month}) q""",
            [LAST_MONTH],  # (December 9999 has no month after it)
        )
        cur.execute(
            f"""INSERT INTO {K} (unit_id, "key", month)
            SELECT DISTINCT unit_id, "key", {KEY_MONTH} FROM stats_fam WHERE d <> 0"""
        )
        cur.execute("DROP TABLE stats_fam")
    # 7. Each person's stored contribution (contrib.encode's form).
    span = f"{d.arr}({d.ids}, t.a, t.b)"
    groups = {
        part: d.empty.format(f"{d.agg}({span}) FILTER (WHERE t.part = '{part}')") for part in "soxa"
    }
    cur.execute(
        f"""INSERT INTO {P} (person_id, data)
        SELECT p.id, {d.obj}('p', {attributes(d)}, 's', {d.json.format("g.s")},
            'o', {d.json.format("g.o")}, 'x', {d.json.format("g.x")},
            'a', {d.json.format("g.a")})
        FROM (SELECT t.person_id, {groups["s"]} AS s, {groups["o"]} AS o, {groups["x"]} AS x,
                {groups["a"]} AS a
              FROM stats_part t JOIN stats_usup u ON u.unit_id = t.unit_id
              GROUP BY t.person_id) g
        JOIN people_person p ON p.id = g.person_id
        JOIN reference_ethnicity e ON e.id = p.ethnicity_id
        JOIN reference_religion r ON r.id = p.religion_id"""
    )
    people = cur.rowcount
    for t in TEMP:
        cur.execute(f"DROP TABLE {t}")
    return people, rows

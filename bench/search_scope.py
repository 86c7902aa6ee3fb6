"""The people search by scope: median of 5 of one keyset page of `/people/?q=` as the
page reads it (the branches' keys, then the page's rows), for an administrator, the
officer of province T01 and the officer of a ward of T01, for "ngu" and "hoa".

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/search_300k \\
        PYTHONPATH=$PWD python bench/search_scope.py [--explain]

The users are made inside a transaction that is rolled back. Runs against the code on
PYTHONPATH: with the person → scope table (`scope_branches`) or, on older code, the
scope checked by `PersonQuerySet.scoped`.
"""

import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangvien.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402

from dangvien.accounts.models import Role  # noqa: E402
from dangvien.core.keyset import paginate  # noqa: E402
from dangvien.orgs.models import OrgUnit  # noqa: E402
from dangvien.people import models as pm  # noqa: E402
from dangvien.people.models import Person, match_branches  # noqa: E402

NEW = hasattr(pm, "scope_branches")


def page(user, q):
    keys = Person.objects.scope_keys(user) if NEW else None
    if NEW and keys is not None:
        return paginate(
            Person.objects.all(),
            ("skey", "pid"),
            None,
            name="bench",
            size=50,
            branches=pm.scope_branches(q, keys),
            rows=Person.objects.with_search_key().annotate(pid=F("pk")),
        )
    return paginate(
        Person.objects.scoped(user).find(q),
        ("skey", "pk"),
        None,
        name="bench",
        size=50,
        branches=match_branches(q),
        rows=Person.objects.with_search_key(),
    )


def main() -> None:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    with transaction.atomic():
        t01 = OrgUnit.objects.get(code="T01")
        ward = (
            OrgUnit.objects.filter(
                path__startswith=t01.path,
                kind=OrgUnit.Kind.GRASSROOTS_COMMITTEE,
                category=OrgUnit.Category.COMMUNE_WARD,
                valid_to__isnull=True,
            )
            .order_by("path")
            .first()
        )
        admin = User.objects.create_user("bench.admin", is_superuser=True)
        prov = User.objects.create_user("bench.t01")
        Role.objects.create(user=prov, kind=Role.Kind.ORG_BOARD, unit=t01)
        wo = User.objects.create_user("bench.ward")
        Role.objects.create(user=wo, kind=Role.Kind.GRASSROOTS_OFFICER, unit=ward)
        users = [
            ("administrator", admin),
            ("province officer (T01)", prov),
            (f"ward officer ({ward.code})", wo),
        ]
        print("with the scope table" if NEW else "before (scope checked per match)")
        for label, user in users:
            n = Person.objects.scoped(user).count()
            line = [f"{label}, {n} people"]
            for q in ("ngu", "hoa"):
                times = []
                for _ in range(6):
                    started = time.perf_counter()
                    got = page(user, q)
                    times.append((time.perf_counter() - started) * 1000)
                line.append(f'"{q}": {statistics.median(times[1:]):.1f} ms ({len(got)} rows)')
                if "--queries" in sys.argv:
                    from django.test.utils import CaptureQueriesContext

                    with CaptureQueriesContext(connection) as ctx:
                        page(user, q)
                    for x in ctx.captured_queries:
                        print(f"  {x['time']} {x['sql'][:150]}")
            print(" | ".join(line))
        if "--explain" in sys.argv:
            keys = Person.objects.scope_keys(prov)
            for q in ("ngu", "hoa"):
                for branch in pm.scope_branches(q, keys):
                    qs = branch(Person.objects.all()).order_by("skey", "pid")
                    qs = qs.values_list("skey", "pid")[:51]
                    sql, params = qs.query.sql_with_params()
                    with connection.cursor() as cur:
                        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                        print(f"--- {q}")
                        print("\n".join(r[0] for r in cur.fetchall()))
        transaction.set_rollback(True)


main()

"""Database housekeeping shared by the bulk writers (demo, imports)."""

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Field, ForeignObject, Model
from django.db.models.lookups import In


def analyze(*models, vacuum: bool = False) -> None:
    """Refresh PostgreSQL's planner statistics after a bulk write (all tables when no
    model is named). Until autovacuum gets round to it, fresh tables look empty to the
    planner and the scope queries take poor plans (people search on 119,000 people:
    5.8 s before, 1.4 s after; the demo's /people/ search: 233 ms before, 114 ms after).
    SQLite plans without statistics: nothing to do.

    `vacuum`: VACUUM (ANALYZE) instead, outside a transaction (else ANALYZE alone). It
    also marks the freshly written pages all-visible, so that an index-only scan reads no
    table rows: on the 6,000,000-member country the administrator's search "van a" read
    121,244 table rows for its page (649 ms) before a VACUUM of the person tables, none
    (26 ms) after (EXPLAIN ANALYZE, 01/12/2026)."""
    if connection.vendor != "postgresql":
        return
    command = "VACUUM (ANALYZE)" if vacuum and not connection.in_atomic_block else "ANALYZE"
    with connection.cursor() as cursor:
        if not models:
            cursor.execute(command)
        for model in models:
            cursor.execute(f'{command} "{model._meta.db_table}"')


class AnyOf(In):
    """`field__any=[ids]`: `field IN (…)`, but on PostgreSQL `field = ANY(%s)` with the
    list as one array parameter. A list of thousands of ids as thousands of
    placeholders costs more to build and to parse on the client (Django's compiler, then
    psycopg's client-side binding) than the query costs the server: `stats.store.load`
    for 100,000 persons spent 15 s of a 22 s refresh there (cProfile, 01/12/2026)."""

    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [v for v in self.rhs if v is not None]
        if not values:
            raise EmptyResultSet  # as `In` does: no query at all for an empty list
        return f"{lhs} = ANY(%s)", (*lhs_params, values)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # relations keep lookups of their own


# From this many rows, `copy_create` writes by COPY on PostgreSQL.
COPY_FROM = 200
# Fields whose stored value is the attribute as it is (psycopg adapts it): no
# `pre_save` or preparation per value. Exact types: a subclass (DateTimeField is a
# DateField) may prepare its values.
PLAIN = {
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.DateField,
    models.ForeignKey,
    models.IntegerField,
    models.OneToOneField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.TextField,
}


def plain(f: Field) -> bool:
    return (
        type(f) in PLAIN
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    )


def copy_create(model: type[Model], objs: list) -> list:
    """`bulk_create(objs)`, by COPY on PostgreSQL for many rows: their ids are taken from
    the table's sequence first (one query), set on the objects, then every concrete
    column is streamed. Django's bulk insert sends each column as one array parameter,
    which psycopg escapes in Python value by value; an import of 100,000 members spent
    a quarter of its write there. No signal is sent, as with bulk_create."""
    if connection.vendor != "postgresql" or len(objs) < COPY_FROM:
        return model._default_manager.bulk_create(objs)
    conn = connections[DEFAULT_DB_ALIAS]  # not the proxy: read a million times below
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    quote = conn.ops.quote_name
    fields = meta.concrete_fields
    with conn.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(objs)],
        )
        ids = [row[0] for row in cur.fetchall()]
        for obj, pk_value in zip(objs, ids, strict=True):
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            setattr(obj, pk.attname, pk_value)
        columns = ", ".join(quote(f.column) for f in fields)
        names = [f.attname for f in fields]
        prepared = [(i, f) for i, f in enumerate(fields) if not plain(f)]
        with cur.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                row = [getattr(obj, name) for name in names]
                for i, f in prepared:
                    row[i] = f.get_db_prep_save(f.pre_save(obj, True), conn)
                copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = conn.alias
    return objs


def drop_reference_checks(schema_editor, model, columns: list[str], indexes: bool) -> None:
    """For a migration: drop the database's foreign-key constraints on these columns of a
    table derived from the rows (the precomputed counts, the person → scope tables), and
    with `indexes` their single-column indexes, which a wider unique index leading with
    the column already serves. Django still deletes the rows with their person or unit
    (its `on_delete` runs in Python); the database no longer checks each new row's
    reference at COMMIT, which on an import of 100,000 members meant millions of checks
    (see migration stats.0007). SQLite keeps its constraints: dropping one would rebuild
    the table."""
    conn = schema_editor.connection
    with conn.cursor() as cur:
        found = conn.introspection.get_constraints(cur, model._meta.db_table)
    for name, c in sorted(found.items()):
        if c["columns"] not in [[col] for col in columns]:
            continue
        if c["foreign_key"] and conn.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {conn.ops.quote_name(model._meta.db_table)} "
                f"DROP CONSTRAINT {conn.ops.quote_name(name)}"
            )
        elif indexes and c["index"] and not (c["unique"] or c["primary_key"]):
            schema_editor.execute(f"DROP INDEX {conn.ops.quote_name(name)}")


def restore_reference_checks(schema_editor, model, columns: list[str], indexes: bool) -> None:
    """The reverse of `drop_reference_checks`, as Django would have created them."""
    conn = schema_editor.connection
    for column in columns:
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        if conn.vendor == "postgresql":
            schema_editor.execute(
                schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
            )
        if indexes:
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))

"""`dangvien grant-app-role NAME`: the rights of the role the application runs as.

Production on PostgreSQL runs `dangvien migrate` as an owner role and the application
as a role that owns nothing: it reads and writes the data, appends to the audit log and
may erase a person's audit values under retention (through the SECURITY DEFINER
function of migration accounts/0004), and nothing else: no UPDATE, DELETE or TRUNCATE
on the audit table, no ALTER, no DROP, no trigger switched off (only an owner can).
Run it as the owner after each `migrate` (new tables get the rights by default too).
"""

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

AUDIT = "accounts_auditentry"
ERASE = "accounts_auditentry_erase(integer, text[])"
NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def statements(role: str, schema: str, database: str) -> list[str]:
    """The GRANTs and REVOKEs, in order; names are checked and quoted by the caller."""
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {role}",
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"REVOKE UPDATE, DELETE ON {schema}.{AUDIT} FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"GRANT EXECUTE ON FUNCTION {schema}.{ERASE} TO {role}",
        # Tables a later migration creates (run this command again after it all the same:
        # the audit table's exception is not a default).
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]


class Command(BaseCommand):
    help = (
        "Grant a PostgreSQL role exactly what the application needs (data read and "
        "write, audit log append only); run as the owner role that runs the migrations."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the application's role (created beforehand)")

    def handle(self, *args, name, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("Lệnh này chỉ dành cho PostgreSQL.", returncode=2)
        if not NAME.match(name):
            raise CommandError(
                f"Tên vai trò “{name}” không hợp lệ: chữ thường, số và dấu gạch dưới.",
                returncode=2,
            )
        with connection.cursor() as cur:
            cur.execute(
                "SELECT r.rolsuper, r.rolbypassrls, r.rolname = current_user, "
                "current_schema(), current_database(), "
                "(SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid) "
                "FROM pg_roles r WHERE r.rolname = %s",
                [name],
            )
            row = cur.fetchone()
        if row is None:
            raise CommandError(
                f"Không có vai trò “{name}”. Tạo trước: CREATE ROLE {name} LOGIN PASSWORD '…';",
                returncode=2,
            )
        superuser, bypass, is_me, schema, database, owned = row
        if superuser or bypass:
            raise CommandError(
                f"“{name}” là superuser (hoặc bỏ qua RLS): vai trò của ứng dụng không được có "
                "quyền đó.",
                returncode=2,
            )
        if is_me:
            raise CommandError(
                "Vai trò của ứng dụng phải khác vai trò chạy migrate (chủ sở hữu các bảng).",
                returncode=2,
            )
        if owned:
            raise CommandError(
                f"“{name}” đang sở hữu {owned} bảng/chỉ mục: vai trò của ứng dụng không được "
                "sở hữu gì (đổi chủ bằng REASSIGN OWNED BY … TO <chủ sở hữu>).",
                returncode=2,
            )
        quote = connection.ops.quote_name
        todo = statements(quote(name), quote(schema), quote(database))
        with transaction.atomic(), connection.cursor() as cur:
            for sql in todo:
                cur.execute(sql)
            cur.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [name, schema])
            can_create = cur.fetchone()[0]
        self.stdout.write(
            f"Đã cấp cho “{name}”: đọc/ghi dữ liệu trong lược đồ {schema}; nhật ký kiểm "
            "toán chỉ đọc và thêm (không sửa, xóa, TRUNCATE, ALTER, DROP)."
        )
        if can_create:
            self.stdout.write(
                f"Lưu ý: “{name}” vẫn tạo được bảng trong {schema} (quyền của PUBLIC, "
                f"PostgreSQL < 15): REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC;"
            )

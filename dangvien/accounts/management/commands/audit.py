"""`dangvien audit verify`: walk the audit log's hash chain."""

from django.core.management.base import BaseCommand, CommandError

from dangvien.accounts import chain

KIND = {"deleted": "bị xóa", "inserted": "bị chèn", "altered": "bị sửa"}


def parse_head(value: str) -> tuple[int, str]:
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise CommandError(
            "--head phải có dạng SỐ:MÃ_BĂM (64 ký tự), như lệnh in ra.", returncode=2
        )
    return int(seq), digest.lower()


class Command(BaseCommand):
    help = (
        "verify: walk the audit log's hash chain and report the first deleted, inserted "
        "or altered entry (exit status 1). Keep the head it prints somewhere else and pass "
        "it back with --head to also catch entries cut from the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--head", help="SEQ:HASH printed by an earlier verify")

    def handle(self, *args, action, head=None, **opts):
        expected = parse_head(head) if head else None
        count, problem = chain.verify(expected)
        if problem is not None:
            where = f"vị trí {problem.seq}" if problem.seq is not None else "ngoài chuỗi"
            raise CommandError(
                f"Nhật ký đã {KIND[problem.kind]} ({problem.kind}) tại {where}: "
                f"{problem.message}. Đã kiểm {count} mục.",
                returncode=1,
            )
        last = chain.head()
        self.stdout.write(f"Chuỗi băm nhật ký toàn vẹn: {count} mục.")
        if last:
            self.stdout.write(f"Đầu chuỗi (lưu lại ở nơi khác): {last[0]}:{last[1]}")

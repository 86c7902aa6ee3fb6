from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangvien.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import db, deploy  # noqa: F401 (db registers the `__any` lookup)

        connection_created.connect(deploy.private_sqlite_file)

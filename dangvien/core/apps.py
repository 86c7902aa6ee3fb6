from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dangvien.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from . import deploy

        connection_created.connect(deploy.private_sqlite_file)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dangvien.accounts"
    verbose_name = _("Users and roles")

    def ready(self) -> None:
        from . import audit

        audit.connect()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "dangvien.accounts"
    verbose_name = _("Users and roles")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from dangvien.orgs.models import OrgUnit

        from . import audit, scoping
        from .models import Role

        audit.connect()
        # What a request has learnt of scopes is forgotten when roles or units change.
        for model in (Role, OrgUnit):
            post_save.connect(scoping.forget, sender=model, dispatch_uid=f"scope-memo-s-{model}")
            post_delete.connect(scoping.forget, sender=model, dispatch_uid=f"scope-memo-d-{model}")
        m2m_changed.connect(
            scoping.forget, sender=OrgUnit.successors.through, dispatch_uid="scope-memo-m2m"
        )

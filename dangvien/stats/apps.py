from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "dangvien.stats"
    verbose_name = _("Precomputed statistics")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the write hooks)

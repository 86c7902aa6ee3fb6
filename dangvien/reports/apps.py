from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dangvien.reports"

from django.apps import AppConfig


class RulesConfig(AppConfig):
    # An app only so that Django finds the `rules` and `deadlines` commands; the rule
    # code itself imports nothing from Django.
    name = "dangvien.rules"

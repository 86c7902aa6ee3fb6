from django.contrib import admin

from .models import Target, Term


class TargetInline(admin.TabularInline):
    model = Target
    extra = 1
    raw_id_fields = ["unit"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "start", "end"]
    raw_id_fields = ["unit"]
    inlines = [TargetInline]

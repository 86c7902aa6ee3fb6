from django.contrib import admin

from .models import Membership, Stint


class StintInline(admin.TabularInline):
    model = Stint
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "decision_on", "ceremony_on", "confirmed_on", "exit_on"]
    list_filter = ["exit_reason"]
    raw_id_fields = ["person"]
    inlines = [StintInline]

from django.contrib import admin

from .models import Person, Position


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    raw_id_fields = ["locality", "unit"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["full_name", "birth_date", "sex", "citizen_id", "ethnicity", "religion"]
    list_filter = ["sex", "general_education", "professional"]
    search_fields = ["search_name", "citizen_id"]
    raw_id_fields = ["residence"]
    inlines = [PositionInline]

    def get_search_results(self, request, queryset, search_term):
        from dangvien.core.text import search_key

        return super().get_search_results(request, queryset, search_key(search_term))

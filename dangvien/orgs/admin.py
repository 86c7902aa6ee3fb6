from django.contrib import admin

from .models import Locality, LocalityCell, OrgUnit

# The admin site bypasses the scoping gate, so only superusers may enter it at all.
admin.site.has_permission = lambda request: bool(  # type: ignore[method-assign]
    request.user.is_active and request.user.is_superuser
)


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "category", "valid_from", "valid_to"]
    list_filter = ["kind", "category"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "locality"]
    filter_horizontal = ["successors"]


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(LocalityCell)
class LocalityCellAdmin(admin.ModelAdmin):
    list_display = ["locality", "cell", "valid_from", "valid_to"]
    raw_id_fields = ["locality", "cell"]

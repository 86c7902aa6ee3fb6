from django.contrib import admin
from django.urls import include, path

from dangvien.api.api import api
from dangvien.orgs import views as orgs
from dangvien.people import views as people
from dangvien.reports import views as reports

urlpatterns = [
    path("", reports.home, name="home"),
    path("units/", orgs.unit_tree, name="unit_tree"),
    path("units/<str:code>/", orgs.unit_detail, name="unit_detail"),
    path("localities/", orgs.locality_list, name="locality_list"),
    path("people/", people.person_list, name="person_list"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("statistics/", reports.statistics, name="statistics"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
]

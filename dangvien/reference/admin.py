from django.contrib import admin

from .models import Ethnicity, ProvinceCode, Religion

for model in (Ethnicity, Religion, ProvinceCode):
    admin.site.register(model)

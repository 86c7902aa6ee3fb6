import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangvien.settings")
# A web server answers many users at once: one core per query (settings.py,
# PG_PARALLEL_WORKERS). Set PG_PARALLEL_WORKERS to override it.
os.environ.setdefault("PG_PARALLEL_WORKERS", "0")
application = get_wsgi_application()

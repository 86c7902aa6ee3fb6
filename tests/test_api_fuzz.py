"""Schemathesis against the API's own OpenAPI schema: no input reaches a server error.

Bounded (a few dozen cases per operation, no deadline), in-process through the WSGI
app, logged in as the city officer (with the CSRF token the session API needs).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, settings

from dangvien.api.api import api

from .admission_helpers import lan


class KeepTestConnection:
    """The WSGI app as Django's test client runs it: the real handler closes the database
    connection around each request, and with it the test's transaction."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                result.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"))
schema.app = KeepTestConnection(get_wsgi_application())


@pytest.fixture
def credentials(personas, org):
    lan(org)  # something to read and to write to
    client = Client()
    client.force_login(personas.city_officer)
    device = TOTPDevice.objects.get(user=personas.city_officer)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    token = "a" * 32
    return {
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
        "headers": {"X-CSRFToken": token, "Referer": "http://localhost/"},
    }


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, credentials):
    response = case.call(headers=credentials["headers"], cookies=credentials["cookies"])
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    assert response.status_code not in (401, 403) or "/events" in case.path, response.text

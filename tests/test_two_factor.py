"""TOTP two-factor login for administrators and organisation-board officers."""

import re

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangvien.accounts.models import Role

from . import factories as f


def test_board_officer_must_enrol_then_passes(client, org, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # a wrong code otherwise delays the next try
    board = f.user("btc.new", Role.Kind.ORG_BOARD, org.city)
    client.force_login(board)
    response = client.get("/statistics/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/setup/?next=%2Fstatistics%2F")
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "<svg" in body and "<script>" not in body  # the QR code, made offline
    device = TOTPDevice.objects.get(user=board, confirmed=False)
    wrong = client.post(reverse("two_factor_setup"), {"token": "000000", "next": "/"})
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["token"]
    token = f"{totp(device.bin_key):06d}"
    done = client.post(reverse("two_factor_setup"), {"token": token, "next": "/statistics/"})
    assert done.status_code == 302 and done["Location"] == "/statistics/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/statistics/").status_code == 200


def test_enrolled_officer_enters_a_code_at_each_login(client, org):
    board = f.user("btc.two", Role.Kind.ORG_BOARD, org.city)
    device = TOTPDevice.objects.create(user=board, name="phone", confirmed=True)
    django_client = type(client).__mro__[1]()  # a plain client: no automatic verification
    django_client.force_login(board)
    response = django_client.get("/people/")
    assert response["Location"].startswith("/accounts/2fa/verify/")
    assert django_client.get("/api/candidates").status_code == 401
    response = django_client.post(
        reverse("two_factor_verify"), {"token": f"{totp(device.bin_key):06d}", "next": "/people/"}
    )
    assert response["Location"] == "/people/"
    assert django_client.get("/people/").status_code == 200


def test_open_redirects_are_refused(client, org):
    board = f.user("btc.three", Role.Kind.ORG_BOARD, org.city)
    device = TOTPDevice.objects.create(user=board, name="phone", confirmed=True)
    plain = type(client).__mro__[1]()
    plain.force_login(board)
    response = plain.post(
        reverse("two_factor_verify"),
        {"token": f"{totp(device.bin_key):06d}", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_ward_officers_are_not_asked(client, personas):
    client.force_login(personas.ward_a_officer)
    assert client.get("/statistics/").status_code == 200
    assert not re.search("2fa", client.get("/").content.decode())

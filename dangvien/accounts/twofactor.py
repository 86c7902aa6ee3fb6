"""TOTP two-factor login, required for administrators and organisation-board officers.

After the password, such a user either enrols (a QR code made offline, then one code
to confirm) or enters a code; until then every page sends them here.
"""

from collections.abc import Callable
from urllib.parse import urlencode

import segno
from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import A, log
from .models import Role
from .scoping import role_kinds

OPEN = ("/accounts/2fa/", "/accounts/login", "/accounts/logout", "/static/", "/i18n/")


def requires_two_factor(user) -> bool:
    if not getattr(settings, "REQUIRE_TWO_FACTOR", True) or not user.is_authenticated:
        return False
    return bool(user.is_superuser or {Role.Kind.ADMIN, Role.Kind.ORG_BOARD} & role_kinds(user))


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # OTPMiddleware gives every user `is_verified()`.
        verified = getattr(user, "is_verified", lambda: False)()
        if not request.path.startswith(OPEN) and requires_two_factor(user) and not verified:
            if request.path.startswith("/api/"):
                return JsonResponse({"error": _("Two-factor login required.")}, status=401)
            confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            target = reverse("two_factor_verify" if confirmed else "two_factor_setup")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    return target if target.startswith("/") and not target.startswith("//") else "/"


def setup(request):
    """Enrol: show the QR code of a new secret; confirm it with one code."""
    if not request.user.is_authenticated:
        return redirect("login")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device:
        return redirect("two_factor_verify")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "default"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            log(A.UPDATE, request.user, detail="two-factor device enrolled")
            return redirect(safe_next(request))
        form.add_error("token", _("The code is wrong or expired."))
    qr = segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#1d232a")
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(
        request,
        "registration/two_factor_setup.html",
        {"form": form, "qr": qr, "secret": secret, "next": safe_next(request)},
    )


def verify(request):
    if not request.user.is_authenticated:
        return redirect("login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(safe_next(request))
        log(A.LOGIN_FAILED, detail="wrong two-factor code")
        form.add_error("token", _("The code is wrong or expired."))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": safe_next(request)}
    )

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

OPEN_PREFIXES = ("/accounts/login", "/static/", "/i18n/")


class LoginRequiredMiddleware:
    """Every page needs a login except the login page itself: personal data by default."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(OPEN_PREFIXES):
            if request.path.startswith("/admin/"):
                return self.get_response(request)
            if request.path.startswith("/api/"):
                return JsonResponse({"error": _("Log in first.")}, status=401)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)

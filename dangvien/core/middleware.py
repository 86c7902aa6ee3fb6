import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
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


LOGIN_AT = "dangvien_login_at"  # in the session: when this login happened (epoch seconds)
SEEN_AT = "dangvien_seen_at"  # in the session: when it was last written back (epoch seconds)


class SessionLifetimeMiddleware:
    """ASVS V3.3.2: a session ends SESSION_MAX_HOURS after its login, however active it
    stays (the idle timeout, SESSION_COOKIE_AGE, ends it sooner when unused). The login
    time is stored in the session (server side) by the response that logged the user in;
    a request after the limit is logged out and sent to the login page.

    The idle timeout slides: a signed-in request more than SESSION_TOUCH_SECONDS after
    the session was last written marks it changed, so that Django's session middleware
    writes it back with a new expiry. In between nothing is written (the session ends
    between SESSION_COOKIE_AGE − SESSION_TOUCH_SECONDS and SESSION_COOKIE_AGE after the
    last request), instead of a write on every page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(LOGIN_AT)
            if started is None:
                request.session[LOGIN_AT] = time.time()
            elif time.time() - float(started) > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"error": _("The session has ended: log in again.")}, status=401
                    )
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        response = self.get_response(request)
        if request.user.is_authenticated:
            now = time.time()
            if LOGIN_AT not in request.session:
                request.session[LOGIN_AT] = now  # the login request itself
            if now - float(request.session.get(SEEN_AT, 0)) >= settings.SESSION_TOUCH_SECONDS:
                request.session[SEEN_AT] = now
        return response


# Strict CSP: no inline script or style anywhere; the API docs (Swagger UI) set styles
# from their own script, so that one page allows inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CSP_API_DOCS = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        docs = request.path.startswith("/api/docs")
        response.headers.setdefault("Content-Security-Policy", CSP_API_DOCS if docs else CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Personal data: never keep authenticated pages in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class RejectNulMiddleware:
    """A NUL character is never valid input (PostgreSQL text cannot hold it): answer 400
    before any view sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.has_nul(request):
            message = _("The request contains a NUL character, which is not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse({"error": message}, status=400)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in v for values in request.GET.lists() for v in values[1]):
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            content_type = request.META.get("CONTENT_TYPE", "")
            if content_type.startswith("application/json"):
                return b"\\u0000" in request.body or b"\x00" in request.body
            if content_type.startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")
            ):
                return any("\x00" in v for values in request.POST.lists() for v in values[1])
        return False

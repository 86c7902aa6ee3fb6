"""Password rules with Vietnamese messages (Django's own lack some translations).

ASVS V2.1: at least 12 characters, not only spaces, not a common or leaked password,
not the demo's published password outside the demo.
"""

import functools
import string

from django.conf import settings
from django.contrib.auth import password_validation as pv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Characters a user adds around a common word to make it "strong": `dragon2017!`.
DECORATION = string.digits + string.punctuation + string.whitespace


class LengthValidator(pv.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                _("The password is too short: it needs at least %(n)d characters.")
                % {"n": self.min_length},
                code="password_too_short",
            )

    def get_help_text(self):
        return _("At least %(n)d characters.") % {"n": self.min_length}


class SimilarityValidator(pv.UserAttributeSimilarityValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                _("The password is too similar to the user name or the name."),
                code="password_too_similar",
            ) from None

    def get_help_text(self):
        return _("Not like your user name or name.")


@functools.cache
def leaked_passwords() -> frozenset[str]:
    """Django's list of 20,000 common passwords and zxcvbn's 30,000 most frequent in
    leaked password sets, lower case; both ship inside installed packages (no network)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    django_list = pv.CommonPasswordValidator().passwords
    return frozenset(django_list) | frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])


class CommonValidator:
    """A listed password, or one only decorated with digits and symbols around a listed
    word of at least 6 letters (`Password2017!!`, `12dragonfly34`)."""

    def validate(self, password, user=None):
        lower = password.lower().strip()
        core = lower.strip(DECORATION)
        listed = leaked_passwords()
        if lower in listed or (len(core) >= 6 and core in listed):
            raise ValidationError(
                _("The password is on a list of common or leaked passwords."),
                code="password_too_common",
            )

    def get_help_text(self):
        return _("Not a common or leaked password.")


class BlankValidator:
    def validate(self, password, user=None):
        if not password.strip():
            raise ValidationError(_("The password cannot be only spaces."), code="password_blank")

    def get_help_text(self):
        return _("Not only spaces.")


class DemoPasswordValidator:
    """The demo's password is published (README, `make demo`): only the demo may use it.
    The `demo` command sets `settings.DEMO`; every other run refuses it."""

    def validate(self, password, user=None):
        from dangvien.demo.load import DEMO_PASSWORD

        if password.strip().lower() == DEMO_PASSWORD.lower() and not settings.DEMO:
            raise ValidationError(
                _("This is the demo's published password: choose another."),
                code="password_demo",
            )

    def get_help_text(self):
        return _("Not the demo's password.")


class NumericValidator(pv.NumericPasswordValidator):
    def validate(self, password, user=None):
        if password.isdigit():
            raise ValidationError(
                _("The password cannot be only digits."), code="password_entirely_numeric"
            )

    def get_help_text(self):
        return _("Not only digits.")

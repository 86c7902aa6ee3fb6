"""Password rules with Vietnamese messages (Django's own lack some translations)."""

from django.contrib.auth import password_validation as pv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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


class CommonValidator(pv.CommonPasswordValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                _("The password is too common."), code="password_too_common"
            ) from None

    def get_help_text(self):
        return _("Not a common password.")


class NumericValidator(pv.NumericPasswordValidator):
    def validate(self, password, user=None):
        if password.isdigit():
            raise ValidationError(
                _("The password cannot be only digits."), code="password_entirely_numeric"
            )

    def get_help_text(self):
        return _("Not only digits.")

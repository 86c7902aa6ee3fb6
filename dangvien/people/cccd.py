"""Citizen identity number (CCCD) checks, Circular 07/2016/TT-BCA.

Digits 1–3: province of birth registration; digit 4: century and sex
(1900s: male 0, female 1; 2000s: 2/3; 2100s: 4/5; 2200s: 6/7; 2300s: 8/9);
digits 5–6: last two digits of the birth year; digits 7–12: random.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Century of the birth year for each pair of digit-4 values (male, female).
_CENTURIES = {0: 1900, 2: 2000, 4: 2100, 6: 2200, 8: 2300}


def century_digit(sex: str, birth_year: int) -> int:
    """Digit 4 for a sex ('M' or 'F') and birth year."""
    base = {v: k for k, v in _CENTURIES.items()}[birth_year // 100 * 100]
    return base + (1 if sex == "F" else 0)


def validate_cccd(
    number: str,
    *,
    sex: str | None,
    birth_date: dt.date | None,
    province_codes: set[str],
) -> str:
    """Return the normalised number, or raise ValidationError saying which part is wrong."""
    value = "".join((number or "").split())
    if not value.isdigit() or len(value) != 12:
        raise ValidationError(
            _("Citizen ID “%(value)s” must have exactly 12 digits (it has %(n)d characters).")
            % {"value": value, "n": len(value)},
            code="cccd_length",
        )
    province = value[:3]
    if province not in province_codes:
        raise ValidationError(
            _("Citizen ID %(value)s: digits 1–3 (%(code)s) are not a known province code.")
            % {"value": value, "code": province},
            code="cccd_province",
        )
    digit4 = int(value[3])
    century = _CENTURIES[digit4 - digit4 % 2]
    if sex in ("M", "F"):
        expected_female = digit4 % 2 == 1
        if expected_female != (sex == "F"):
            raise ValidationError(
                _(
                    "Citizen ID %(value)s: digit 4 (%(d)s) means %(meant)s, "
                    "but the sex recorded is %(sex)s."
                )
                % {
                    "value": value,
                    "d": digit4,
                    "meant": _("female") if expected_female else _("male"),
                    "sex": _("female") if sex == "F" else _("male"),
                },
                code="cccd_sex",
            )
    if birth_date is not None:
        if century != birth_date.year // 100 * 100:
            raise ValidationError(
                _(
                    "Citizen ID %(value)s: digit 4 (%(d)s) means born in %(from)d–%(to)d, but the "
                    "birth year recorded is %(year)d."
                )
                % {
                    "value": value,
                    "d": digit4,
                    "from": century,
                    "to": century + 99,
                    "year": birth_date.year,
                },
                code="cccd_century",
            )
        if int(value[4:6]) != birth_date.year % 100:
            raise ValidationError(
                _(
                    "Citizen ID %(value)s: digits 5–6 (%(yy)s) must be the last two digits of the "
                    "birth year %(year)d."
                )
                % {"value": value, "yy": value[4:6], "year": birth_date.year},
                code="cccd_year",
            )
    return value

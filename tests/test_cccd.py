import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from dangvien.people.cccd import validate_cccd
from dangvien.people.models import Person

CODES = {"001", "064", "079"}


def check(number, sex="M", birth=dt.date(1980, 5, 1)):
    return validate_cccd(number, sex=sex, birth_date=birth, province_codes=CODES)


def test_valid_numbers_for_each_century_and_sex():
    assert check("064080123456") == "064080123456"
    assert check("064180123456", sex="F") == "064180123456"
    assert check("001203000001", birth=dt.date(2003, 1, 1)) == "001203000001"
    assert check("079305999999", sex="F", birth=dt.date(2005, 12, 31)) == "079305999999"
    assert check(" 0640 8012 3456 ") == "064080123456"


@pytest.mark.parametrize(
    ("number", "sex", "birth", "code", "says"),
    [
        ("06408012345", "M", dt.date(1980, 1, 1), "cccd_length", "12"),
        ("06408012345a", "M", dt.date(1980, 1, 1), "cccd_length", "12"),
        ("999080123456", "M", dt.date(1980, 1, 1), "cccd_province", "999"),
        ("064180123456", "M", dt.date(1980, 1, 1), "cccd_sex", "4"),
        ("064080123456", "F", dt.date(1980, 1, 1), "cccd_sex", "4"),
        ("064280123456", "M", dt.date(1980, 1, 1), "cccd_century", "2000"),
        ("064081123456", "M", dt.date(1980, 1, 1), "cccd_year", "81"),
    ],
)
def test_each_wrong_part_is_named(number, sex, birth, code, says):
    with pytest.raises(ValidationError) as err:
        check(number, sex=sex, birth=birth)
    assert err.value.code == code
    assert says in err.value.messages[0]


@pytest.mark.django_db
def test_person_clean_refuses_a_bad_cccd_in_vietnamese():
    from django.utils import translation

    p = Person(
        full_name="Nguyễn Thị Hoa",
        birth_date=dt.date(1990, 1, 1),
        sex="F",
        citizen_id="064090123456",
    )
    with translation.override("vi"), pytest.raises(ValidationError) as err:
        p.clean()
    message = err.value.message_dict["citizen_id"][0]
    assert "chữ số thứ 4" in message and "nữ" in message

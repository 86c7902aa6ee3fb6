"""Synthetic Vietnamese, Jrai and Bahnar names drawn from stated frequencies."""

import random

# Family names with approximate national shares (percent).
KINH_FAMILY = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9.5),
    ("Phạm", 7),
    ("Hoàng", 3),
    ("Huỳnh", 2.5),
    ("Phan", 4.5),
    ("Vũ", 2),
    ("Võ", 2),
    ("Đặng", 2.1),
    ("Bùi", 2),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1),
    ("Lý", 0.5),
    ("Đinh", 1),
    ("Trương", 1),
    ("Đoàn", 0.8),
    ("Lương", 0.6),
    ("Mai", 0.5),
    ("Tạ", 0.3),
    ("Châu", 0.3),
    ("Lâm", 0.4),
    ("Cao", 0.5),
]
MALE_MIDDLE = [
    "Văn",
    "Văn",
    "Văn",
    "Đức",
    "Minh",
    "Quốc",
    "Hữu",
    "Thanh",
    "Công",
    "Xuân",
    "Ngọc",
    "Đình",
    "Quang",
    "Trung",
]
FEMALE_MIDDLE = [
    "Thị",
    "Thị",
    "Thị",
    "Thị",
    "Ngọc",
    "Thu",
    "Thanh",
    "Kim",
    "Minh",
    "Hồng",
    "Thùy",
    "Mỹ",
    "Phương",
]
MALE_GIVEN = [
    "An",
    "Anh",
    "Bình",
    "Cường",
    "Dũng",
    "Duy",
    "Đức",
    "Giang",
    "Hải",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Huy",
    "Khánh",
    "Khoa",
    "Lâm",
    "Long",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phúc",
    "Quang",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Tiến",
    "Toàn",
    "Trung",
    "Tuấn",
    "Tùng",
    "Việt",
    "Vinh",
    "Vũ",
    "Hưng",
    "Lộc",
    "Thịnh",
    "Đạt",
]
FEMALE_GIVEN = [
    "An",
    "Anh",
    "Bích",
    "Chi",
    "Dung",
    "Duyên",
    "Giang",
    "Hà",
    "Hằng",
    "Hạnh",
    "Hiền",
    "Hoa",
    "Hồng",
    "Huệ",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Thảo",
    "Thu",
    "Thủy",
    "Trang",
    "Tuyết",
    "Uyên",
    "Vân",
    "Yến",
    "Xuân",
    "Lệ",
    "Nhàn",
    "Tâm",
]

JRAI_FAMILY = [
    "Rơ Châm",
    "Rơ Mah",
    "Siu",
    "Ksor",
    "Rah Lan",
    "Kpă",
    "Nay",
    "Puih",
    "Rơ Lan",
    "Kpuih",
]
JRAI_GIVEN_MALE = ["Nhoel", "Phơ", "Blik", "Thuh", "Hyuh", "Djơ", "Pơl", "Yơn", "Chuh", "Plôi"]
JRAI_GIVEN_FEMALE = ["H'Bia", "H'Nhi", "H'Lan", "H'Yang", "H'Dơk", "H'Ngơ", "H'Bel", "H'Phi"]
BAHNAR_GIVEN = ["Rơi", "Hmưch", "Glin", "Blưih", "Khoan", "Tuh", "Brol", "Hyơng", "Đeh", "Yưn"]

# Village names of Jrai and Bahnar settlements (plei / kon), synthetic but in the style.
VILLAGE_NAMES = [
    "Plei Ốp",
    "Plei Lang",
    "Plei Klah",
    "Plei Pông",
    "Plei Kép",
    "Plei Bông",
    "Plei Chuét",
    "Plei Ia Rơ",
    "Plei Mun",
    "Plei Ngol",
    "Plei Tơ Nghé",
    "Plei Kte",
    "Kon Ktu",
    "Kon Brăp",
    "Kon Sơ Lăng",
    "Plei Rơ Ngheo",
    "Plei Tiêng",
    "Plei Dôr",
    "Plei Blang",
    "Plei Weh",
]


def _weighted(rng: random.Random, pairs: list[tuple[str, float]]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def person_name(rng: random.Random, sex: str, ethnic_code: str) -> str:
    female = sex == "F"
    if ethnic_code == "10":  # Gia-rai (Jrai)
        given = rng.choice(JRAI_GIVEN_FEMALE if female else JRAI_GIVEN_MALE)
        return f"{rng.choice(JRAI_FAMILY)} {given}"
    if ethnic_code == "13":  # Ba-na (Bahnar)
        return f"Đinh {'Thị' if female else 'Văn'} {rng.choice(BAHNAR_GIVEN)}"
    middle = rng.choice(FEMALE_MIDDLE if female else MALE_MIDDLE)
    given = rng.choice(FEMALE_GIVEN if female else MALE_GIVEN)
    return f"{_weighted(rng, KINH_FAMILY)} {middle} {given}"

"""The importers by name, as the command line and the upload page know them."""

from . import candidates, localities, members, units
from .base import Importer

IMPORTERS: dict[str, Importer] = {
    "units": units,
    "localities": localities,
    "members": members,
    "candidates": candidates,
}
LABELS = {
    "units": "Đơn vị (tổ chức đảng)",
    "localities": "Địa bàn",
    "members": "Đảng viên",
    "candidates": "Quần chúng ưu tú (danh sách nguồn)",
}

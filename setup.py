"""Build hook: compile the translation catalogues (.po → .mo) into every wheel, so that
`pip install .` gives the Vietnamese interface without GNU gettext on the machine. The
metadata is in pyproject.toml."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def load_msgfmt():
    spec = importlib.util.spec_from_file_location("msgfmt", HERE / "dangvien/core/msgfmt.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the source tree: `make messages` compiles
        msgfmt = load_msgfmt()
        for po in sorted(Path(self.build_lib, "dangvien", "locale").glob("*/LC_MESSAGES/*.po")):
            msgfmt.compile_file(po)


setup(cmdclass={"build_py": BuildWithCatalogues})

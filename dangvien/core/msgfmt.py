"""A small .po → .mo compiler in pure Python, so that `pip install .` ships compiled
catalogues on a machine without GNU gettext (`setup.py` runs it at build time).

It writes what GNU `msgfmt` writes for the entries Python's `gettext` reads: fuzzy and
untranslated entries are left out (the header is kept), contexts are joined with EOT,
plural forms with NUL. Like `msgfmt --check-format` it refuses a python-format entry whose
translation names other placeholders than its source. No Django import: `setup.py` loads
this file by path, before any dependency is installed.
"""

import ast
import re
import struct
import sys
from pathlib import Path

PLACEHOLDER = re.compile(r"%(?:\(([^)]*)\))?[#0 +-]*\d*(?:\.\d+)?([a-zA-Z%])")


class PoError(ValueError):
    pass


def placeholders(text: str) -> list[tuple[str, str]]:
    """The `%` conversions of a python-format string, named or positional (not `%%`)."""
    return sorted((m[1] or "", m[2]) for m in PLACEHOLDER.finditer(text) if m[2] != "%")


def compatible(translation: str, source: str) -> bool:
    """A translation may use fewer of the source's named placeholders, never others;
    positional ones must match exactly."""
    mine, theirs = placeholders(translation), placeholders(source)
    if mine == theirs:
        return True
    return all(name for name, _ in mine + theirs) and set(mine) <= set(theirs)


def parse(text: str, name: str = "<po>") -> dict[str, str]:
    """The translated messages of a .po file: key (with context and plural as in a .mo)
    → translation."""
    messages: dict[str, str] = {}
    entry: dict[str, str] = {}
    flags: set[str] = set()
    field: str | None = None
    start = 0

    def finish() -> None:
        nonlocal entry, flags, field
        if "msgid" in entry:
            add(entry, flags, start)
        entry, flags, field = {}, set(), None

    def add(e: dict[str, str], fl: set[str], line: int) -> None:
        msgid = str(e["msgid"])
        if "msgid_plural" in e:
            numbers = sorted(int(k[7:-1]) for k in e if k.startswith("msgstr["))
            forms = [str(e[f"msgstr[{i}]"]) for i in numbers]
            key = msgid + "\0" + str(e["msgid_plural"])
            value = "\0".join(forms)
            translated = any(forms)
            sources = [msgid, str(e["msgid_plural"])]
        else:
            key, value = msgid, str(e.get("msgstr", ""))
            translated = bool(value)
            sources = [msgid]
        if "msgctxt" in e:
            key = str(e["msgctxt"]) + "\x04" + key
        if msgid and ("fuzzy" in fl or not translated):
            return
        if "python-format" in fl:
            for form in value.split("\0"):
                if form and not any(compatible(form, s) for s in sources):
                    raise PoError(
                        f"{name}:{line}: the translation's placeholders differ from "
                        f"the source's: {msgid!r}"
                    )
        if not key:  # the header: GNU msgfmt leaves the template's creation date out
            value = "".join(
                row for row in value.splitlines(True) if not row.startswith("POT-Creation-Date:")
            )
        if key in messages:
            raise PoError(f"{name}:{line}: duplicate message {msgid!r}")
        messages[key] = value

    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if line.startswith("#~"):
                continue  # an obsolete entry
            if field is not None and field.startswith("msgstr"):
                finish()
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if field is None:
                raise PoError(f"{name}:{number}: a string outside an entry")
            entry[field] += literal(line, name, number)
            continue
        if keyword in ("msgctxt", "msgid") and field is not None and field.startswith("msgstr"):
            finish()  # the next entry without a blank line between
        if keyword not in ("msgctxt", "msgid", "msgid_plural", "msgstr") and not re.fullmatch(
            r"msgstr\[\d+\]", keyword
        ):
            raise PoError(f"{name}:{number}: unknown keyword {keyword!r}")
        if not entry:
            start = number
        field = keyword
        entry[field] = literal(rest.strip(), name, number)
    finish()
    return messages


def literal(token: str, name: str, number: int) -> str:
    if not (len(token) >= 2 and token[0] == token[-1] == '"'):
        raise PoError(f"{name}:{number}: expected a quoted string")
    try:
        value = ast.literal_eval(token)
    except (SyntaxError, ValueError) as e:
        raise PoError(f"{name}:{number}: bad string: {e}") from None
    if not isinstance(value, str):
        raise PoError(f"{name}:{number}: expected a string")
    return value


def mo_bytes(messages: dict[str, str]) -> bytes:
    """The GNU .mo file of `messages` (little-endian, no hash table: gettext needs none)."""
    keys = sorted(messages, key=lambda k: k.encode())
    ids = [k.encode() for k in keys]
    strs = [messages[k].encode() for k in keys]
    n = len(keys)
    table_start = 7 * 4
    data_start = table_start + 16 * n
    offsets: list[int] = []
    data = b""
    for blob in ids + strs:
        offsets += [len(blob), data_start + len(data)]
        data += blob + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, n, table_start, table_start + 8 * n, 0, 0)
    return header + struct.pack(f"<{4 * n}I", *offsets) + data


def compile_file(po: Path, mo: Path | None = None) -> Path:
    mo = mo or po.with_suffix(".mo")
    mo.write_bytes(mo_bytes(parse(po.read_text(encoding="utf-8"), str(po))))
    return mo


if __name__ == "__main__":  # python dangvien/core/msgfmt.py FILE.po… (writes FILE.mo)
    for arg in sys.argv[1:]:
        print(compile_file(Path(arg)))

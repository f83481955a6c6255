"""docs/operations.md documents every setting of api/config.py, with its real default, and nothing else
in its settings table: a new setting without a line there fails here."""

import re
from pathlib import Path

from pydantic import SecretStr

from api.config import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def documented() -> dict[str, str]:
    text = DOC.read_text()
    table = text.split("<!-- settings:begin -->", 1)[1].split("<!-- settings:end -->", 1)[0]
    rows = {}
    for line in table.splitlines():
        match = re.match(r"^\| `(VIGIA_[A-Z0-9_]+)` \| ([^|]*) \|", line)
        if match:
            rows[match.group(1)] = match.group(2).strip()
    return rows


def expected_default(value: object) -> str | None:
    """How the table writes a default (None: described in words, e.g. 'unset' or 'a development value')."""
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        return None
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int | float | str | Path):
        return f"`{value}`"
    if value == []:
        return "`[]`"
    return None


def test_every_setting_is_documented_with_its_default() -> None:
    rows = documented()
    fields = {f"VIGIA_{name.upper()}": field for name, field in Settings.model_fields.items()}
    missing = sorted(set(fields) - set(rows))
    assert not missing, f"settings missing from docs/operations.md: {missing}"
    stale = sorted(set(rows) - set(fields))
    assert not stale, f"docs/operations.md documents settings that do not exist: {stale}"
    for name, field in fields.items():
        wanted = expected_default(field.default)
        if wanted is not None:
            assert rows[name] == wanted, f"{name}: the documented default {rows[name]} is not {wanted}"

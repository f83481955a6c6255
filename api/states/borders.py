"""Land borders between Mexico's states, the reference data behind the `state_borders` table.

Each pair appears once here; the table holds both directions. Migration 0005 keeps a frozen copy of
these pairs (a migration must not change when this module does); `tests/states/test_borders.py`
checks that the two agree.
"""

BORDER_PAIRS: tuple[tuple[str, str], ...] = (
    ("MX-AGU", "MX-JAL"),
    ("MX-AGU", "MX-ZAC"),
    ("MX-BCN", "MX-BCS"),
    ("MX-BCN", "MX-SON"),
    ("MX-CAM", "MX-ROO"),
    ("MX-CAM", "MX-TAB"),
    ("MX-CAM", "MX-YUC"),
    ("MX-CHH", "MX-COA"),
    ("MX-CHH", "MX-DUR"),
    ("MX-CHH", "MX-SIN"),
    ("MX-CHH", "MX-SON"),
    ("MX-CHP", "MX-OAX"),
    ("MX-CHP", "MX-TAB"),
    ("MX-CHP", "MX-VER"),
    ("MX-CMX", "MX-MEX"),
    ("MX-CMX", "MX-MOR"),
    ("MX-COA", "MX-DUR"),
    ("MX-COA", "MX-NLE"),
    ("MX-COA", "MX-SLP"),
    ("MX-COA", "MX-ZAC"),
    ("MX-COL", "MX-JAL"),
    ("MX-COL", "MX-MIC"),
    ("MX-DUR", "MX-NAY"),
    ("MX-DUR", "MX-SIN"),
    ("MX-DUR", "MX-ZAC"),
    ("MX-GRO", "MX-MEX"),
    ("MX-GRO", "MX-MIC"),
    ("MX-GRO", "MX-MOR"),
    ("MX-GRO", "MX-OAX"),
    ("MX-GRO", "MX-PUE"),
    ("MX-GUA", "MX-JAL"),
    ("MX-GUA", "MX-MIC"),
    ("MX-GUA", "MX-QUE"),
    ("MX-GUA", "MX-SLP"),
    ("MX-GUA", "MX-ZAC"),
    ("MX-HID", "MX-MEX"),
    ("MX-HID", "MX-PUE"),
    ("MX-HID", "MX-QUE"),
    ("MX-HID", "MX-SLP"),
    ("MX-HID", "MX-TLA"),
    ("MX-HID", "MX-VER"),
    ("MX-JAL", "MX-MIC"),
    ("MX-JAL", "MX-NAY"),
    ("MX-JAL", "MX-SLP"),
    ("MX-JAL", "MX-ZAC"),
    ("MX-MEX", "MX-MIC"),
    ("MX-MEX", "MX-MOR"),
    ("MX-MEX", "MX-PUE"),
    ("MX-MEX", "MX-QUE"),
    ("MX-MEX", "MX-TLA"),
    ("MX-MIC", "MX-QUE"),
    ("MX-MOR", "MX-PUE"),
    ("MX-NAY", "MX-SIN"),
    ("MX-NAY", "MX-ZAC"),
    ("MX-NLE", "MX-SLP"),
    ("MX-NLE", "MX-TAM"),
    ("MX-NLE", "MX-ZAC"),
    ("MX-OAX", "MX-PUE"),
    ("MX-OAX", "MX-VER"),
    ("MX-PUE", "MX-TLA"),
    ("MX-PUE", "MX-VER"),
    ("MX-QUE", "MX-SLP"),
    ("MX-ROO", "MX-YUC"),
    ("MX-SIN", "MX-SON"),
    ("MX-SLP", "MX-TAM"),
    ("MX-SLP", "MX-VER"),
    ("MX-SLP", "MX-ZAC"),
    ("MX-TAB", "MX-VER"),
    ("MX-TAM", "MX-VER"),
)


def border_rows() -> list[tuple[str, str]]:
    """Both directions of every pair, sorted: the rows of `state_borders`."""
    return sorted({(a, b) for a, b in BORDER_PAIRS} | {(b, a) for a, b in BORDER_PAIRS})


def neighbours(code: str) -> frozenset[str]:
    return frozenset(b for a, b in border_rows() if a == code)

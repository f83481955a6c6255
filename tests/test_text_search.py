"""The LIKE pattern people's typed text becomes: their %, _ and \\ are literal characters."""

from api.text_search import containing


def test_typed_wildcards_match_only_themselves() -> None:
    assert containing("  Escuela  ") == "%Escuela%"
    assert containing("100%") == "%100\\%%"
    assert containing("a_b") == "%a\\_b%"
    assert containing("C:\\dir") == "%C:\\\\dir%"

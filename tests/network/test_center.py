"""Parsing the network's center (a pure rule)."""

import uuid

import pytest

from api.errors import InvalidInput
from api.network.schemas import NodeKind
from api.network.service import NodeKey, parse_center


def test_a_center_is_kind_and_uuid():
    record = uuid.uuid4()
    assert parse_center(f"court_order:{record}") == NodeKey(NodeKind.court_order, record)
    assert str(NodeKey(NodeKind.case, record)) == f"case:{record}"


@pytest.mark.parametrize("text", ["", "case", "case:", "case:nope", f"school:{uuid.uuid4()}", str(uuid.uuid4())])
def test_a_malformed_center_names_the_field(text):
    with pytest.raises(InvalidInput) as refused:
        parse_center(text)
    assert [e.field for e in refused.value.errors] == ["center"]

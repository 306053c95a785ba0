"""The encoders built once on the C encoder (glomers/compact_json.py and the node library's
own) write exactly what json.JSONEncoder writes, and fail the same way."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import maelstrom_node
from glomers.compact_json import compact_encoder

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
_KEYS = st.text() | st.integers() | st.booleans() | st.none() | \
    st.floats(allow_nan=False)
VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=20)


def _reference(allow_nan, ensure_ascii, default=None):
    return json.JSONEncoder(separators=(",", ":"), allow_nan=allow_nan,
                            ensure_ascii=ensure_ascii, default=default).encode


def _outcome(encode, value):
    try:
        return ("text", encode(value))
    except (TypeError, ValueError) as error:
        return (type(error).__name__, str(error))


@settings(max_examples=300, deadline=None)
@given(VALUES, st.booleans(), st.booleans())
def test_same_text_or_same_error_as_json_encoder(value, allow_nan, ensure_ascii):
    assert _outcome(compact_encoder(allow_nan, ensure_ascii), value) == \
        _outcome(_reference(allow_nan, ensure_ascii), value)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_node_library_encoder_writes_what_json_encoder_writes(value):
    assert _outcome(maelstrom_node._encode, value) == _outcome(_reference(False, True), value)


@pytest.mark.parametrize("encode", [compact_encoder(allow_nan=False), maelstrom_node._encode],
                         ids=["bench", "library"])
def test_errors_leave_no_trace_for_the_next_value(encode):
    shared = [1, [2]]
    outer = {"a": shared}
    shared.append(float("nan"))
    with pytest.raises(ValueError, match="Out of range"):
        encode(outer)
    shared[-1] = object()
    with pytest.raises(TypeError, match="not JSON serializable"):
        encode(outer)
    shared.pop()
    # The containers the failed calls were inside are not taken for a cycle now.
    assert encode(outer) == '{"a":[1,[2]]}'
    assert encode({"a": shared, "b": [shared]}) == '{"a":[1,[2]],"b":[[1,[2]]]}'
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="Circular reference"):
        encode({"loop": cyclic})
    assert encode([shared, shared]) == "[[1,[2]],[1,[2]]]"


def test_default_is_used_for_values_json_cannot_hold():
    encode = compact_encoder(ensure_ascii=False, default=str)
    assert encode({"when": 1 + 2j, "é": "ü"}) == '{"when":"(1+2j)","é":"ü"}'


def test_the_library_writes_the_same_text_without_the_c_encoder(monkeypatch):
    # Pythons without the _json accelerator get JSONEncoder's own encoding.
    monkeypatch.setattr(maelstrom_node, "_C_ENCODE", None)
    assert maelstrom_node._encode({"a": [1, "é"]}) == '{"a":[1,"\\u00e9"]}'
    with pytest.raises(ValueError):
        maelstrom_node._encode(float("nan"))


@pytest.mark.parametrize("encode", [compact_encoder(), maelstrom_node._encode],
                         ids=["bench", "library"])
def test_a_value_too_big_for_one_chunk_is_written_whole(encode):
    # The C encoder hands a long text back in several chunks.
    value = list(range(300_000))
    assert encode(value) == json.dumps(value, separators=(",", ":"))

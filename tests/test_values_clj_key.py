"""clj_key: Clojure equality of JSON values, on the exact types JSON decoding makes and on
their subclasses and look-alikes (tuples, sets), which take a different path through it."""

import json

import pytest

from glomers.values import clj_equal, clj_key


class Text(str):
    pass


class Number(int):
    pass


class Mapping(dict):
    pass


class Items(list):
    pass


@pytest.mark.parametrize("exact, other", [
    (1, Number(1)), ("a", Text("a")), ([1, "a"], Items([1, "a"])), ([1, 2], (1, 2)),
    ({"k": [1]}, Mapping({"k": (1,)})), ({"b": 1, "a": 2}, {"a": 2, "b": 1}),
    ([[1, {"x": None}]], ((Number(1), Mapping({Text("x"): None})),)),
])
def test_exact_types_and_their_look_alikes_key_alike(exact, other):
    assert clj_key(exact) == clj_key(other)
    assert clj_equal(exact, other)


@pytest.mark.parametrize("a, b", [
    (1, 1.0), (1, True), (0, False), (1, "1"), ([1], [1.0]), ([1], [True]),
    ({"k": 1}, {"k": 1.0}), ([1, 2], [2, 1]), ([], {}), ([None], []), ({"a": 1}, {"b": 1}),
    ([1], {1}), (Number(1), True), (Text("1"), 1),
])
def test_values_python_calls_equal_but_clojure_does_not(a, b):
    assert clj_key(a) != clj_key(b)
    assert not clj_equal(a, b)


def test_keys_of_decoded_json_are_hashable_and_tagged():
    value = json.loads('{"node": "n1", "life": 2, "values": [1, 2.5, true, null, "x", []]}')
    key = clj_key(value)
    hash(key)
    values = ("v", (("i", 1), ("f", 2.5), ("b", True), ("n",), ("s", "x"), ("v", ())))
    assert key == ("m", ((("s", "life"), ("i", 2)), (("s", "node"), ("s", "n1")),
                         (("s", "values"), values)))
    assert type(clj_key(Text("x"))[1]) is str      # a subclass's text is keyed as a str


def test_a_value_json_cannot_hold_is_refused():
    with pytest.raises(TypeError, match="not a JSON value"):
        clj_key([1, object()])

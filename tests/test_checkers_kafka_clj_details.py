"""Details of Clojure's iteration order as the kafka checker models it
(glomers/checkers/kafka_clj.py): the Murmur3 hashes against a plain Murmur3 over bytes, the
hash-trie order against orders Maelstrom printed, map order at the array-map boundary, the
first member of a set, and Clojure's refusal to compare across types."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glomers.checkers.kafka_clj import (clj_first, clj_sorted, hash_long, hash_string,
                                        map_order, trie_order)


def murmur3_32(data, seed=0):
    """Murmur3's x86 32-bit hash of `data` (a multiple of 4 bytes), written from the
    algorithm's description: the reference these tests hold the module's hashes to."""
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF
    h = seed
    for start in range(0, len(data), 4):
        k = int.from_bytes(data[start:start + 4], "little")
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        k = (k * c2) & mask
        h ^= k
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    return h ^ (h >> 16)


def java_string_hash(s):
    """Java's String.hashCode over UTF-16 code units, as an unsigned 32-bit pattern."""
    units = []
    for char in s:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            units += [0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)]
        else:
            units.append(code)
    h = 0
    for unit in units:
        h = (31 * h + unit) % 2**32
    return h


def clojure_hash_long(n):
    return 0 if n == 0 else murmur3_32((n % 2**64).to_bytes(8, "little"))


def clojure_hash_string(s):
    code = java_string_hash(s)
    return 0 if code == 0 else murmur3_32(code.to_bytes(4, "little"))


def test_known_clojure_hashes():
    assert hash_long(1) == 1392991556
    assert hash_long(0) == 0
    assert hash_string("a") == 1455541201
    assert hash_string("") == 0


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-2**63, max_value=2**63 - 1))
def test_hash_long_is_murmur3_of_the_eight_bytes(n):
    assert hash_long(n) == clojure_hash_long(n)


@pytest.mark.parametrize("n", [1, -1, 2**31, 2**32 - 1, 2**32, 2**32 + 7, -2**63, 2**63 - 1,
                               12345678901234, 0xCAFEBABE])
def test_hash_long_at_word_boundaries(n):
    assert hash_long(n) == clojure_hash_long(n)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=12))
def test_hash_string_is_murmur3_of_java_s_hash_code(s):
    assert hash_string(s) == clojure_hash_string(s)


@pytest.mark.parametrize("s", ["0", "9", "key", "héllo", "\U0001F600", "a\U00010000b",
                               "\uffff", "polygenelubricants"])
def test_hash_string_over_utf16_code_units(s):
    # "polygenelubricants" is a Java string whose hashCode is Integer.MIN_VALUE.
    assert hash_string(s) == clojure_hash_string(s)


def test_a_string_whose_java_hash_is_zero_hashes_to_zero():
    # "\0" has String.hashCode 0, like the empty string.
    assert java_string_hash("\0") == 0
    assert hash_string("\0") == 0


# Keys of :ok polls Maelstrom printed (a Clojure hash map of more than eight keys, so in
# hash-trie order), from the oracle kafka runs.
PRINTED_ORDERS = [
    ["3", "49", "4", "57", "0", "56", "55", "54", "41"],
    ["88", "3", "87", "90", "1", "84", "85", "64", "79"],
    ["139", "159", "145", "152", "137", "1", "2", "161", "160"],
    ["346", "345", "350", "344", "340", "252", "348", "333", "349"],
    ["69", "67", "66", "53", "70", "63", "65", "71", "64"],
]


@pytest.mark.parametrize("printed", PRINTED_ORDERS)
def test_a_hash_map_s_keys_follow_the_trie_order(printed):
    shuffled = sorted(printed)
    assert map_order(shuffled) == printed
    assert map_order(reversed(printed)) == printed
    assert sorted(printed, key=trie_order) == printed
    # A string key inside a clj_key tuple orders like the string.
    assert sorted((("s", k) for k in shuffled), key=trie_order) == [("s", k) for k in printed]


def test_an_integer_set_follows_the_trie_order():
    # Clojure prints (set (range 1 9)) as #{7 1 4 6 3 2 5 8}, and (set (range 30 40)) ...
    assert sorted(range(1, 9), key=trie_order) == [7, 1, 4, 6, 3, 2, 5, 8]
    assert clj_first(set(range(1, 9))) == 7
    assert clj_first({2, 5, 8}) == 2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=-2**40, max_value=2**40), min_size=2, max_size=20,
                unique=True))
def test_trie_order_compares_five_hash_bits_at_a_time_from_the_lowest(values):
    def trie_path(value):
        h = clojure_hash_long(value)
        return [(h >> (5 * level)) & 31 for level in range(7)]
    assert sorted(values, key=trie_order) == sorted(values, key=trie_path)
    assert clj_first(set(values)) == min(values, key=trie_path)


def test_two_hashes_differing_only_in_the_top_bits_are_ordered_by_them():
    # Hashes equal in their low 30 bits differ only in the 2-bit seventh level.
    by_low = {}
    for n in range(200000):
        h = hash_long(n)
        other = by_low.setdefault(h & (2**30 - 1), n)
        if other != n:
            break
    else:
        pytest.skip("no pair of hashes sharing their low 30 bits among these integers")
    first, second = sorted((other, n), key=hash_long)
    assert sorted([second, first], key=trie_order) == [first, second]
    assert clj_first({first, second}) == first


def test_the_array_map_boundary_is_eight_keys():
    eight = ["8", "7", "6", "5", "4", "3", "2", "1"]
    assert map_order(eight) == eight
    assert map_order(iter(eight)) == eight
    nine = eight + ["0"]
    assert map_order(nine) == sorted(nine, key=trie_order) != nine


def test_unmodelled_values_come_after_modelled_ones_in_a_fixed_order():
    floats = [("f", 2.5), ("f", 1.5)]
    assert clj_first({("f", 2.5), 3}) == 3
    assert clj_first({("f", 2.5), ("s", "x")}) == ("s", "x")
    assert clj_first(set(floats)) == ("f", 1.5)          # by repr, the fixed order
    assert trie_order(("f", 1.5)) == (1, repr(("f", 1.5)))
    assert trie_order(("b", True))[0] == 1
    assert trie_order(("s", "a", "b"))[0] == 1           # not a string's clj_key
    assert trie_order(["s", "a"])[0] == 1                # a list is not a clj_key tuple
    assert trie_order(("s", "a")) == trie_order("a")


def test_the_single_member_of_a_set_is_its_first():
    assert clj_first({("f", 1.5)}) == ("f", 1.5)
    assert clj_first(frozenset({7})) == 7


def test_clj_sorted_sorts_numbers_together_and_strings_together():
    assert clj_sorted([3, 1.5, 2]) == [1.5, 2, 3]
    assert clj_sorted(["b", "a"]) == ["a", "b"]
    assert clj_sorted([]) == []
    assert clj_sorted([True, False]) == [False, True]


@pytest.mark.parametrize("values", [[1, "1"], [1, True], [1.5, False], ["a", 1],
                                    [2, 1, "x"], [[1], 1], [{"a": 1}, {"a": 1}]])
def test_clj_sorted_refuses_to_compare_across_types(values):
    with pytest.raises(TypeError, match="Clojure cannot compare"):
        clj_sorted(values)


def test_clj_sorted_refuses_objects_and_names_the_values_as_edn():
    # A node's messages may be objects: Clojure cannot order maps, even among themselves.
    with pytest.raises(TypeError) as raised:
        clj_sorted([{"a": 1}, {"a": 2}])
    assert str(raised.value) == "Clojure cannot compare {:a 1} {:a 2}"
    with pytest.raises(TypeError) as raised:
        clj_sorted(["s", [1, 2], None])
    assert str(raised.value) == 'Clojure cannot compare "s" [1 2] nil'


def test_clj_sorted_orders_as_clojure_compare_does():
    # nil first (Clojure compares nil with anything), vectors by length before their
    # elements, numbers by value whatever their type, a lone object never compared.
    assert clj_sorted(["b", None, "a"]) == [None, "a", "b"]
    assert clj_sorted([[5], [1, 2], [1, 1], None]) == [None, [5], [1, 1], [1, 2]]
    assert clj_sorted([2, 1.5, 1]) == [1, 1.5, 2]
    assert clj_sorted([{"a": 1}]) == [{"a": 1}]

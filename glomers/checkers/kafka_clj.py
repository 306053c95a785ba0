"""Clojure's iteration order, where Jepsen's kafka results depend on it.

Jepsen takes "the first" member of a hash set (which message stands for an offset holding
several) and walks hash maps with more than eight entries in hash order (which of several
equally-lagged keys is reported). A Clojure hash set or map iterates its entries sorted by
their hash, five bits at a time from the lowest (the levels of its hash trie). Hashes:
integers use Murmur3's hashLong, strings Murmur3's hashInt of Java's String.hashCode.
"""

import functools

from glomers import edn

# Clojure's compare on JSON values (the unique-ids checker orders its ids with it too).
from .unique_ids import clj_compare

_MASK = 0xFFFFFFFF


def _rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & _MASK


def _mix_k1(k1):
    k1 = (k1 * 0xCC9E2D51) & _MASK
    return (_rotl(k1, 15) * 0x1B873593) & _MASK


def _mix_h1(h1, k1):
    h1 = _rotl(h1 ^ k1, 13)
    return (h1 * 5 + 0xE6546B64) & _MASK


def _fmix(h1, length):
    h1 ^= length
    h1 ^= h1 >> 16
    h1 = (h1 * 0x85EBCA6B) & _MASK
    h1 ^= h1 >> 13
    h1 = (h1 * 0xC2B2AE35) & _MASK
    return h1 ^ (h1 >> 16)


def hash_long(n):
    """Clojure's hash of an integer (Murmur3 hashLong), as an unsigned 32-bit pattern."""
    n &= 0xFFFFFFFFFFFFFFFF
    if n == 0:
        return 0
    h1 = _mix_h1(0, _mix_k1(n & _MASK))
    h1 = _mix_h1(h1, _mix_k1(n >> 32))
    return _fmix(h1, 8)


def hash_string(s):
    """Clojure's hash of a string (Murmur3 hashInt of String.hashCode)."""
    data = s.encode("utf-16-le")
    h = 0
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] | data[i + 1] << 8)) & _MASK
    if h == 0:
        return 0
    return _fmix(_mix_h1(0, _mix_k1(h)), 4)


def _hash(item):
    """Clojure's hash of a message key (a vkey: a plain int or a clj_key tuple), or None
    where this module does not model it."""
    if type(item) is int:
        return hash_long(item)
    if isinstance(item, str):
        return hash_string(item)
    if isinstance(item, tuple) and len(item) == 2 and item[0] == "s":
        return hash_string(item[1])
    return None


def trie_order(item):
    """Sort key giving a Clojure hash set's iteration order."""
    h = _hash(item)
    if h is None:
        # Not modelled (floats, vectors, ...): after the modelled ones, in a fixed order.
        return (1, repr(item))
    return (0, tuple((h >> shift) & 31 for shift in range(0, 35, 5)))


def clj_first(items):
    """The member of a set of messages that Clojure's `first` returns."""
    if len(items) == 1:
        return next(iter(items))
    return min(items, key=trie_order)


def map_order(keys):
    """Iteration order of a Clojure map built by inserting `keys` in order: insertion order
    up to eight entries (an array map), hash order beyond (a hash map)."""
    keys = list(keys)
    return keys if len(keys) <= 8 else sorted(keys, key=trie_order)


def clj_sorted(values):
    """Values sorted with Clojure's `compare`, as Jepsen's sorted sets hold them: nil
    first, vectors by length first, strings by UTF-16 code units. Clojure refuses to
    compare across types (numbers with strings, say) and maps at all: then this raises
    TypeError, as Jepsen's sort throws. A lone value is never compared."""
    values = list(values)
    try:
        return sorted(values, key=functools.cmp_to_key(clj_compare))
    except TypeError:
        shown = sorted(edn.dumps(v, width=None) for v in values)
        raise TypeError(f"Clojure cannot compare {' '.join(shown)}") from None

"""JSON values compared the way Maelstrom compares them (Clojure equality), and float32.

Python says `1 == 1.0 == True` and `{1, True} == {1}`; Clojure, and so Maelstrom, says these
are different values. Checkers and services key every value that came from a node with
`clj_key`, which tags each value with its JSON type.
"""

import decimal
import struct


def clj_key(value):
    """A hashable key equal for two JSON values exactly when Clojure's `=` says so."""
    # The exact types JSON decoding makes come first (services and checkers key every
    # value of a run, some of them long lists); subclasses take the general path below.
    kind = type(value)
    if kind is int:
        return ("i", value)
    if kind is str:
        return ("s", value)
    if kind is list:
        return ("v", tuple(map(clj_key, value)))
    if kind is dict:
        return ("m", tuple(sorted([(clj_key(k), clj_key(v)) for k, v in value.items()])))
    if value is None:
        return ("n",)
    if value is True or value is False:
        return ("b", value)
    if isinstance(value, int):
        return ("i", value)
    if isinstance(value, float):
        return ("f", value)
    if isinstance(value, str):
        return ("s", str(value))
    if isinstance(value, (list, tuple)):
        return ("v", tuple(clj_key(item) for item in value))
    if isinstance(value, dict):
        return ("m", tuple(sorted((clj_key(k), clj_key(v)) for k, v in value.items())))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(clj_key(item) for item in value)))
    raise TypeError(f"not a JSON value: {value!r}")


def clj_equal(a, b):
    """Clojure equality of two JSON values."""
    return clj_key(a) == clj_key(b)


def is_json_int(value):
    """True for a JSON integer (Python int that is not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


class Float32(float):
    """A float rounded to 32 bits, printed like Java's Float.toString (e.g. 2.0416667)."""

    def __new__(cls, value):
        return super().__new__(cls, struct.unpack("f", struct.pack("f", value))[0])

    def java_str(self):
        """Shortest decimal digits that round-trip the 32-bit value, Java-style."""
        if self != self:
            return "NaN"
        if self in (float("inf"), float("-inf")):
            return "Infinity" if self > 0 else "-Infinity"
        if self == 0:
            return "-0.0" if str(float(self)).startswith("-") else "0.0"
        for digits in range(1, 10):
            text = f"{float(self):.{digits}g}"
            if Float32(float(text)) == self:
                break
        number = float(text)
        if 1e-3 <= abs(number) < 1e7:
            plain = format(decimal.Decimal(text), "f")
            return plain if "." in plain else plain + ".0"
        mantissa, exponent = f"{number:.{digits - 1}e}".split("e")
        if "." not in mantissa:
            mantissa += ".0"
        return f"{mantissa}E{int(exponent)}"


def body_scalars(body):
    """Every number and string inside a message body, the keys msg_id and in_reply_to (the
    protocol's own numbers) skipped: the values a message carries."""
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(v for k, v in item.items() if k not in ("msg_id", "in_reply_to"))
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (int, str)) and not isinstance(item, bool):
            yield item

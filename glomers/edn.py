"""EDN, the text format of Maelstrom's results.edn and history.edn: a reader and a printer.

The reader turns EDN into plain Python values (keywords and symbols become `str` subclasses
so that `Keyword("ok") == "ok"`); the printer writes those values back the way Maelstrom
does: `dumps` lays results out like the fipp pretty printer Jepsen uses, `dumps_op` writes
one history.edn line, `history_txt_line` one history.txt line.

Python has no vector/list distinction that survives hashing, so a vector used as a map key
or a set element is read as a tuple, and a tuple in those two places prints as a vector.
"""

import gzip
import math
import re
from decimal import Decimal

from glomers.values import Float32


class Keyword(str):
    """A Clojure keyword, held without its colon: `Keyword("ok") == "ok"`."""

    __slots__ = ()

    def __repr__(self):
        return f"K({str.__repr__(self)})"


K = Keyword


class Symbol(str):
    """A Clojure symbol such as `clojure.lang.ExceptionInfo`, held as its name."""

    __slots__ = ()

    def __repr__(self):
        return f"Symbol({str.__repr__(self)})"


class StringMap(dict):
    """A map whose plain-`str` keys print as strings (`{"9" 2}`), not as keywords."""

    __slots__ = ()


class Record(dict):
    """A map printed with a tag, as Clojure prints records: `#knossos.model.CASRegister{:value
    3}`; with an empty tag, a plain map even if it is shaped like a history op."""

    __slots__ = ("tag",)

    def __init__(self, tag, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = tag


class EDNError(ValueError):
    """Text that is not EDN the reader understands."""


# ---------------------------------------------------------------------------------------
# Reader

_DELIM = r'\s,\[\]\(\)\{\}";'
# Each match swallows the whitespace, commas and comments before one token, so the reader
# makes one regex call per token; an all-whitespace tail matches with no token group.
_TOKEN = re.compile(
    rf"""
    (?:[\s,]+|;[^\n]*)*
    (?:
      (?P<open>\#\{{|[\[\(\{{])
    | (?P<close>[\]\)\}}])
    | (?P<kw>:[^{_DELIM}]+)
    | (?P<int>[+-]?(?:0|[1-9]\d*)(?![^{_DELIM}]))
    | (?P<str>"[^"\\]*(?:\\.[^"\\]*)*")
    | (?P<num>[+-]?\d[^{_DELIM}]*)
    | (?P<discard>\#_)
    | (?P<special>\#\#[^{_DELIM}]+)
    | (?P<tag>\#[^{_DELIM}\#_][^{_DELIM}]*)
    | (?P<char>\\(?:newline|space|tab|return|backspace|formfeed|u[0-9A-Fa-f]{{4}}|o[0-7]{{1,3}}|.))
    | (?P<sym>[^{_DELIM}\\\#][^{_DELIM}]*)
    )?
    """,
    re.VERBOSE | re.DOTALL,
)

_STRING_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|[0-7]{1,3}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "\\": "\\"}
_NAMED_CHARS = {"newline": "\n", "space": " ", "tab": "\t", "return": "\r",
                "backspace": "\b", "formfeed": "\f"}
_SPECIALS = {"##Inf": math.inf, "##-Inf": -math.inf, "##NaN": math.nan}
_ATOMS = {"nil": None, "true": True, "false": False}
_DISCARD = object()
_CLOSERS = {"(": ")", "[": "]", "{": "}", "#{": "}"}


def _unescape(match):
    code = match.group(1)
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code]
    if code[0] == "u":
        return chr(int(code[1:], 16))
    if code[0].isdigit():
        return chr(int(code, 8))
    raise EDNError(f"unsupported string escape \\{code}")


def _number(text):
    """Clojure number syntax: 12, 12N, -3, 1.5, 1e-3, 2.5M, 1/3 (ratio, read as a float)."""
    try:
        if text.endswith("N"):
            return int(text[:-1], 0)
        if text.endswith("M"):
            return float(text[:-1])
        if "/" in text:
            numerator, denominator = text.split("/")
            return int(numerator) / int(denominator)
        if "." in text or "e" in text or "E" in text:
            return float(text)
        if len(text) > 1 and text.lstrip("+-")[:1] == "0" and text.lstrip("+-")[1:2] not in "xX":
            return int(text, 8)
        return int(text, 0)
    except ValueError:
        raise EDNError(f"bad number {text!r}") from None


def _hashable(value):
    """A value usable as a dict key or set element (vectors become tuples)."""
    if isinstance(value, list):
        return tuple(_hashable(item) for item in value)
    if isinstance(value, dict):
        raise EDNError("a map used as a map key or set element is not supported")
    return value


def _build(opener, items):
    if opener == "[":
        return items
    if opener == "(":
        return tuple(items)
    if opener == "#{":
        return frozenset(_hashable(item) for item in items)
    if len(items) % 2:
        raise EDNError("a map needs an even number of forms")
    keys = [_hashable(key) for key in items[0::2]]
    # A map keyed by plain strings must print its keys as strings again.
    plain_str_key = any(type(key) is str for key in keys)
    return (StringMap if plain_str_key else dict)(zip(keys, items[1::2]))


def _read_forms(text):
    """Every top-level form of `text`, in order."""
    top = []
    items = top
    pending = []  # prefixes (tags, discards) waiting for the next complete form
    stack = []  # (opener, parent items, parent's pending prefixes) per open collection
    keywords = {}  # one Keyword object per distinct keyword: histories repeat a few
    pos = 0
    end = len(text)
    match_at = _TOKEN.match
    while pos < end:
        match = match_at(text, pos)
        kind = match.lastgroup
        if kind is None:
            if match.end() == end:
                break
            raise EDNError(f"cannot read EDN at offset {match.end()}: "
                           f"{text[match.end():match.end() + 30]!r}")
        pos = match.end()
        token = match.group(kind)
        if kind == "int":
            value = int(token)
        elif kind == "kw":
            value = keywords.get(token)
            if value is None:
                value = keywords[token] = Keyword(token[1:])
        elif kind == "open":
            stack.append((token, items, pending))
            items, pending = [], []
            continue
        elif kind == "close":
            if not stack:
                raise EDNError(f"unmatched {token!r} at offset {pos - 1}")
            opener, parent, parent_pending = stack.pop()
            if _CLOSERS[opener] != token or pending:
                raise EDNError(f"{opener!r} closed by {token!r} at offset {pos - 1}")
            value = _build(opener, items)
            items, pending = parent, parent_pending
        elif kind == "str":
            body = token[1:-1]
            value = _STRING_ESCAPE.sub(_unescape, body) if "\\" in body else body
        elif kind == "num":
            value = _number(token)
        elif kind == "sym":
            value = _ATOMS[token] if token in _ATOMS else Symbol(token)
        elif kind == "discard":
            pending.append(_DISCARD)
            continue
        elif kind == "tag":
            pending.append(token[1:])
            continue
        elif kind == "char":
            name = token[1:]
            if name in _NAMED_CHARS:
                value = _NAMED_CHARS[name]
            elif len(name) == 5 and name[0] == "u":
                value = chr(int(name[1:], 16))
            elif len(name) > 1 and name[0] == "o":
                value = chr(int(name[1:], 8))
            else:
                value = name
        else:  # special
            if token not in _SPECIALS:
                raise EDNError(f"unknown symbolic value {token}")
            value = _SPECIALS[token]
        # The innermost prefix applies first: `#_ #_ a b` drops both a and b. A tag
        # (#jepsen.history.Op, #inst, #uuid, #object, #error) keeps the form it labels.
        while pending:
            if pending.pop() is _DISCARD:
                break
        else:
            items.append(value)
    if stack:
        raise EDNError(f"unclosed {stack[-1][0]!r} at end of input")
    if pending:
        raise EDNError("a tag or #_ with no form after it")
    return top


def loads(text):
    """The single EDN form in `text`."""
    forms = _read_forms(text)
    if len(forms) != 1:
        raise EDNError(f"expected one EDN form, found {len(forms)}")
    return forms[0]


def load_all(text):
    """Every top-level EDN form in `text` (e.g. all the lines of a history.edn)."""
    return _read_forms(text)


def read_history(path):
    """The ops of a history.edn file (plain or .gz), as a list of op dicts."""
    path = str(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as file:
        return _read_forms(file.read())


# ---------------------------------------------------------------------------------------
# Printer

OP_FIELDS = ("index", "time", "type", "process", "f", "value")
_OP_RECORD = "#jepsen.history.Op"
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b",
            "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'["\\\n\t\r\b\f]')
# A str map key prints as a keyword only if it reads back as one.
_KEYWORD_NAME = re.compile(rf"[^{_DELIM}\\#:0-9][^{_DELIM}]*\Z")


def is_op(value):
    """True for a dict shaped like a Jepsen history op."""
    return isinstance(value, dict) and all(field in value for field in OP_FIELDS[:5])


def java_double(number):
    """A Python float written the way Java's Double.toString writes it (1.0, 1.0E-5)."""
    if isinstance(number, Float32):
        return number.java_str()
    if math.isnan(number):
        return "##NaN"
    if math.isinf(number):
        return "##Inf" if number > 0 else "##-Inf"
    if number == 0 or 1e-3 <= abs(number) < 1e7:
        text = repr(number)
        return text if "e" not in text else format(Decimal(text), "f")
    sign, digits, exponent = Decimal(repr(number)).as_tuple()
    power = len(digits) + exponent - 1
    digits = "".join(map(str, digits)).rstrip("0") or "0"
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return f"{'-' if sign else ''}{mantissa}E{power}"


def _string(text):
    if _NEEDS_ESCAPE.search(text):
        text = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group()], text)
    return f'"{text}"'


def _key(key, string_keys):
    """How a map key prints: keywords as :k; plain strings as :k unless in a StringMap."""
    if isinstance(key, Keyword):
        return ":" + key
    if type(key) is str and not string_keys and _KEYWORD_NAME.match(key):
        return ":" + key
    if isinstance(key, tuple):
        return _flat(list(key))
    return _flat(key)


def _entries(value):
    """(opening text, [(key text or None, item)], closing text) of a collection."""
    if isinstance(value, dict):
        string_keys = isinstance(value, StringMap)
        if isinstance(value, Record):
            return (f"#{value.tag}{{" if value.tag else "{",
                    [(_key(k, False), v) for k, v in value.items()], "}")
        if is_op(value):
            return _OP_RECORD + "{", _op_pairs(value, list(OP_FIELDS)), "}"
        return "{", [(_key(k, string_keys), v) for k, v in value.items()], "}"
    if isinstance(value, list):
        return "[", [(None, v) for v in value], "]"
    if isinstance(value, tuple):
        return "(", [(None, v) for v in value], ")"
    return "#{", [(None, _as_vector(v)) for v in sorted(value, key=_set_order)], "}"


def _op_pairs(op, fields):
    """An op's (key text, value) pairs: `fields` first, then extras in the op's order.

    type, f and a named process are keywords in Jepsen even when held as plain str.
    """
    order = fields + [k for k in op if k not in OP_FIELDS]
    pairs = []
    for field in order:
        value = op.get(field)
        if field in ("type", "f", "process") and type(value) is str:
            value = Keyword(value)
        pairs.append((_key(field, False), value))
    return pairs


def _set_order(item):
    """Sets print sorted (Elle's sets of model names are sorted sets): numbers, then
    keywords, then strings, then anything else by its text."""
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return (0, item, "")
    if isinstance(item, Keyword):
        return (1, 0, str(item))
    if isinstance(item, str):
        return (2, 0, str(item))
    return (3, 0, _flat(item))


def _as_vector(item):
    """Set elements read as tuples (vectors made hashable) print as vectors again."""
    return list(item) if isinstance(item, tuple) else item


def _atom(value):
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Keyword):
        return ":" + value
    if isinstance(value, Symbol):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    raise TypeError(f"cannot print {type(value).__name__} as EDN: {value!r}")


def _is_collection(value):
    return isinstance(value, (dict, list, tuple, set, frozenset))


def _flat(value):
    """`value` on one line."""
    kind = type(value)                       # fast paths for what histories are made of
    if kind is int:
        return int.__repr__(value)
    if kind is str:
        return _string(value)
    if kind is list:
        return _flat_list(value)
    if kind is Keyword:
        return ":" + value
    if kind is dict:
        return _flat_dict(value)
    if value is None:
        return "nil"
    if not _is_collection(value):
        return _atom(value)
    opening, pairs, closing = _entries(value)
    if opening.endswith("{") and opening != "#{":
        body = ", ".join(f"{k} {_flat(v)}" for k, v in pairs)
    else:
        body = " ".join(_flat(v) for _, v in pairs)
    return opening + body + closing


# Python's text of a list holding only integers and such lists ("[[0, 5], [1, -6]]") is its
# EDN text but for the commas: kafka's [offset message] pairs print in one C call each.
_INTEGERS_ONLY = re.compile(r"[\[\]0-9, -]*")


def _flat_list(value):
    if value:
        first = value[0]
        if type(first) is int or (type(first) is list and first and type(first[0]) is int):
            text = list.__repr__(value)
            if _INTEGERS_ONLY.fullmatch(text):
                return text.replace(",", "")
    # Micro-ops ([:w 9 1]) are most of a history: their keywords, ints and nils are printed
    # here rather than through a call to _flat each.
    parts = []
    for item in value:
        kind = type(item)
        if kind is int:
            parts.append(int.__repr__(item))
        elif kind is Keyword:
            parts.append(":" + item)
        elif item is None:
            parts.append("nil")
        else:
            parts.append(_flat(item))
    return "[" + " ".join(parts) + "]"


_KEY_TEXT = {}          # plain str map key -> how it prints outside a StringMap
_KEY_TEXT_LIMIT = 100_000


def _key_text(key):
    """`_key(key, False)`, remembered for plain strings (histories repeat a few keys)."""
    if type(key) is str:
        text = _KEY_TEXT.get(key)
        if text is None:
            text = _key(key, False)
            if len(_KEY_TEXT) < _KEY_TEXT_LIMIT:
                _KEY_TEXT[key] = text
        return text
    return _key(key, False)


def _flat_dict(value):
    """A plain dict (not a StringMap or Record) on one line."""
    if "index" in value and is_op(value):
        pairs = _op_pairs(value, list(OP_FIELDS))
        return _OP_RECORD + "{" + ", ".join(f"{k} {_flat(v)}" for k, v in pairs) + "}"
    return "{" + ", ".join([_key_text(k) + " " + _flat(v) for k, v in value.items()]) + "}"


def _pretty(value, column, width, out):
    """Append `value` to `out` as fipp lays it out, starting at `column`.

    A collection that fits in the rest of the line stays on one line; otherwise every
    element goes on its own line, aligned just after the opening bracket.
    """
    flat = _flat(value)
    if not _is_collection(value) or column + len(flat) <= width:
        out.append(flat)
        return
    opening, pairs, closing = _entries(value)
    is_map = opening.endswith("{") and opening != "#{"
    inner = column + len(opening)
    out.append(opening)
    for position, (key, item) in enumerate(pairs):
        if position:
            out.append(",\n" if is_map else "\n")
            out.append(" " * inner)
        if is_map:
            out.append(key + " ")
            _pretty(item, inner + len(key) + 1, width, out)
        else:
            _pretty(item, inner, width, out)
    out.append(closing)


def dumps(value, width=70):
    """EDN text for `value`: pretty-printed to `width` columns, or one line if width is None."""
    if width is None:
        return _flat(value)
    out = []
    _pretty(value, 0, width, out)
    return "".join(out)


_OP_FIELD_HEADS = tuple((field, f":{field} ") for field in OP_FIELDS)
_KEYWORD_FIELDS = frozenset({"type", "f", "process"})


def _op_body(op, value_text):
    """The inside of an op's map: Jepsen's fields in order (type, f and a named process as
    keywords even when held as plain str), then the extras in the op's order."""
    parts = []
    for field, head in _OP_FIELD_HEADS:
        if field in op:
            value = op[field]
            if field == "value":
                parts.append(head + value_text)
            elif field in _KEYWORD_FIELDS and (type(value) is str or type(value) is Keyword):
                parts.append(head + ":" + value)
            else:
                parts.append(head + _flat(value))
    if len(parts) < len(op):
        for key, value in op.items():
            if key not in OP_FIELDS:
                parts.append(_key_text(key) + " " + _flat(value))
    return ", ".join(parts)


def dumps_op(op):
    """One history.edn line: the op as a plain map, fields in Jepsen's order, then extras."""
    return "{" + _op_body(op, _flat(op["value"]) if "value" in op else "") + "}"


def history_txt_line(op, value_text=None):
    """One history.txt line: process, type, f, value and any error, tab-separated.
    `value_text`, if given, is _flat(op's value) already made."""
    process = op.get("process")
    f = op.get("f")
    fields = [
        ":" + process if isinstance(process, str) else str(process),
        ":" + op["type"],
        ":" + f if isinstance(f, str) else _flat(f),
        value_text if value_text is not None else _flat(op.get("value")),
    ]
    error = op.get("error")
    if error is not None and error is not False:
        # Jepsen appends (str error): a keyword keeps its colon, a string loses its quotes.
        fields.append(error if type(error) is str else _flat(error))
    return "\t".join(fields)


_PLAIN_OP_KEYS = frozenset(OP_FIELDS)


def history_lines(op):
    """(history.edn line, history.txt line) of one op, its value printed once for both."""
    value_text = _flat(op.get("value"))
    if op.keys() == _PLAIN_OP_KEYS:
        # The usual op (integer index, time and process, keyword type and f, no extras)
        # in one format each: what _op_body and history_txt_line would make of it.
        index, time, kind, process, f = (op["index"], op["time"], op["type"], op["process"],
                                         op["f"])
        if (type(index) is int and type(time) is int and type(process) is int
                and type(kind) is Keyword and type(f) is Keyword):
            return (f"{{:index {index}, :time {time}, :type :{kind}, :process {process}, "
                    f":f :{f}, :value {value_text}}}",
                    f"{process}\t:{kind}\t:{f}\t{value_text}")
    return ("{" + _op_body(op, value_text) + "}",
            history_txt_line(op, value_text))

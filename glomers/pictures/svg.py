"""Small pieces every picture shares: escaping, numbers, compact value text, colours.

Every text that reaches an SVG or HTML file goes through `esc` (message bodies, error texts
and values are user data: a `<` or `&` in them must not break the file, which Maelstrom's
messages.svg does not guard against). Coordinates are written as whole pixels or with one
decimal, which keeps the files about half the size of full-precision ones. Values are
previewed (lists cut to a few items) before they are encoded, so a read that returned
thousands of values costs no more to show than a short one.
"""

from html import escape as _escape

from ..compact_json import compact_encoder
from ..edn import Keyword, Symbol

# Completion types, as Jepsen colours them in its plots and timeline.
TYPE_COLOURS = {"ok": "#81BFFC", "info": "#FFA400", "fail": "#FF1E90"}
TIMELINE_COLOURS = {"ok": "#6DB6FE", "info": "#FFAA26", "fail": "#FEB5DA"}
# Faults, as Jepsen's perf plots shade them; anything else is grey.
FAULT_COLOURS = {"partition": "#E9DCA0", "kill": "#E9A4A0", "pause": "#A0B1E9"}
OTHER_FAULT = "#CCCCCC"
ERROR = "#FF1E90"
# Distinct hues for message types (Tableau-like, readable on white, none of them pink).
PALETTE = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#d62728",
           "#7f7f7f", "#ff7f0e", "#393b79", "#637939", "#843c39")

FONT = "font-family:Helvetica,Arial,sans-serif"


def esc(text):
    """Text made safe for SVG/HTML content and attribute values."""
    return _escape(str(text), quote=True)


def text_esc(text):
    """Text made safe as element content (not for attribute values): faster than esc."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def num(value):
    """A coordinate: an integer when whole, else one decimal."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


encode = compact_encoder(ensure_ascii=False, default=str)   # value -> compact JSON text


_SCALARS = (int, str, float, bool, type(None))


def _shrink(value, items, depth=0):
    """A copy of value with every list cut to `items` elements (plus a note of how many
    more) and nesting cut at 4 levels, so encoding a preview costs little however big the
    value is."""
    cls = value.__class__
    if cls in _SCALARS:
        return value
    if isinstance(value, dict):
        if depth > 3:
            return "{…}"
        shrunk = {}
        for n, (k, v) in enumerate(value.items()):
            if n == items:
                shrunk["…"] = f"{len(value) - items} more"
                break
            shrunk[k if k.__class__ is str else str(k)] = \
                v if v.__class__ in _SCALARS else _shrink(v, items, depth + 1)
        return shrunk
    if isinstance(value, (list, tuple, set, frozenset)):
        if depth > 3:
            return "[…]"
        seq = value if isinstance(value, (list, tuple)) else sorted(value, key=repr)
        head = [v if v.__class__ in _SCALARS else _shrink(v, items, depth + 1)
                for v in seq[:items]]
        if len(seq) > items:
            head.append(f"…{len(seq) - items} more")
        return head
    return str(value)


# Texts whose str() is their own text, as JSON writes them (history values hold keywords).
_TEXTS = (str, Keyword, Symbol)


def _plain(value, items, depth=0):
    """True when `_shrink` would change nothing the JSON text shows: every container an
    exact list, tuple or dict of at most `items` entries, nested at most 4 deep, every dict
    key and every leaf a scalar or a keyword. Such a value (a kafka send, a transaction) is
    encoded as it is, which writes the same text as its shrunk copy without building it."""
    cls = value.__class__
    if cls is list or cls is tuple:
        members = value
    elif cls is dict:
        for key in value:
            if key.__class__ not in _TEXTS:
                return False
        members = value.values()
    else:
        return False
    if depth > 3 or len(value) > items:
        return False
    for member in members:
        cls = member.__class__
        if cls not in _SCALARS and cls not in _TEXTS and not _plain(member, items, depth + 1):
            return False
    return True


def _small(value, items):
    """True when a value is a flat dict (or list) whose lists are all short and flat, the
    common message body: it can be encoded as it is."""
    values = value.values() if value.__class__ is dict else value
    if len(values) > items:
        return False
    for v in values:
        cls = v.__class__
        if cls in _SCALARS:
            continue
        if cls is not list or len(v) > items or (v and v[0].__class__ not in _SCALARS):
            return False
    return True


def preview(value, items, chars):
    """A value as compact JSON of at most `chars` characters, quick for big values."""
    cls = value.__class__
    if cls is int:
        text = str(value)
    elif cls in _SCALARS:
        text = encode(value)
    elif cls is list and (not value or value[0].__class__ in _SCALARS):
        # The common big value (a read's list of numbers): cut first, encode once.
        text = encode(value[:items] if len(value) <= items else
                       value[:items] + [f"…{len(value) - items} more"])
    elif cls is dict and _small(value, items):
        text = encode(value)
    else:
        text = encode(value if _plain(value, items) else _shrink(value, items))
    return text if len(text) <= chars else text[:chars - 1] + "…"



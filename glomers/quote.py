"""Quoting node data in what the bench prints and reports: long text cut in the middle.

A node may send anything, a 10 MB string included. The run folder keeps each such line whole
once (journal.jsonl's send event when it was accepted, the node's log when it was refused;
history.edn keeps op values whole because the checkers re-read it); everything else that
quotes it (the console, results.edn and results.json, history.txt, test.json, the journal's
recv events) cuts it here, saying how much was cut, so output stays readable and small.
"""

LINE_LIMIT = 1000      # characters of one console line
QUOTE_LIMIT = 300      # characters of one string quoted inside a console line
VALUE_LIMIT = 4000     # characters of one string inside a report file


def clip(text, limit=LINE_LIMIT):
    """`text` itself when short enough; otherwise its head and tail around a marker."""
    if len(text) <= limit:
        return text
    tail = limit // 5
    head = limit - tail
    cut = len(text) - head - tail
    return f"{text[:head]} …[{cut:,} characters cut]… {text[-tail:]}"


_PLAIN = frozenset({int, float, bool, type(None)})


def clip_value(value, limit=VALUE_LIMIT):
    """A copy of a JSON/EDN-shaped value with every plain string longer than `limit` cut;
    the value itself (not a copy) when nothing needs cutting. Types are kept (keywords,
    string maps, sets, tuples), so the copy prints exactly as the original would."""
    if longest_string(value) <= limit:       # the usual case, found without copying
        return value
    return _clip(value, limit)


def longest_string(value):
    """The length of the longest string among `value`'s values, however nested (map keys
    are not looked at: they are never cut); 0 if it holds none."""
    longest = 0
    stack = [value]
    pop, push = stack.pop, stack.append
    while stack:
        item = pop()
        if isinstance(item, str):
            longest = max(longest, len(item))
            continue
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, (list, tuple, set, frozenset)):
            continue
        for element in item:
            kind = type(element)
            if kind in _PLAIN:
                continue
            if isinstance(element, str):
                if len(element) > longest:
                    longest = len(element)
            else:
                push(element)
    return longest


def longest_string_bound(line):
    """An upper bound on the length of every string (map keys included) that the JSON text
    `line` decodes to, found without decoding it. Without an escaped quote in the text,
    every `"` opens or closes a string, so the pieces between them alternate outside and
    inside strings, and no string decodes to more characters than it is written with
    (escapes only lengthen). With one, the whole line's length is the bound."""
    if len(line) <= QUOTE_LIMIT or '\\"' in line:
        return len(line)
    return max(map(len, line.split('"')[1::2]), default=0)


def _clip(value, limit):
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is str:
        return clip(value, limit)
    if isinstance(value, dict):
        items = [(k, _clip(v, limit)) for k, v in value.items()]
        if all(new is value[k] for k, new in items):
            return value
        return kind(items)
    if isinstance(value, (list, tuple, set, frozenset)):
        if all(type(v) in _PLAIN for v in value):      # e.g. a long list of numbers
            return value
        items = [_clip(v, limit) for v in value]
        if all(new is old for new, old in zip(items, value)):
            return value
        return kind(items)
    return value

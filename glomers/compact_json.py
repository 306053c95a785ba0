"""Compact JSON text, made by the C encoder directly.

`json.JSONEncoder.encode` builds a new C encoder (and a dict for its circular-reference
check) on every call, which costs about twice the encoding of a small message body; the
bench encodes every message at least once. An encoder from `compact_encoder` is built once
and writes exactly what `JSONEncoder(separators=(",", ":"), ...).encode` would, raising the
same errors (TypeError for a value JSON cannot hold, ValueError for NaN when refused and for
a circular reference).
"""

import json


def compact_encoder(allow_nan=True, ensure_ascii=True, default=None):
    """A function value -> compact JSON text; `default` as JSONEncoder's (None: refuse)."""
    template = json.JSONEncoder(separators=(",", ":"), allow_nan=allow_nan,
                                ensure_ascii=ensure_ascii, default=default)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:                      # a Python without the C accelerator
        return template.encode
    markers = {}                          # ids of the containers being encoded
    encode = make(markers, template.default,
                  json.encoder.encode_basestring_ascii if ensure_ascii
                  else json.encoder.encode_basestring,
                  None, ":", ",", False, False, allow_nan)

    def encoded(value):
        try:
            return "".join(encode(value, 0))
        except BaseException:
            markers.clear()               # an error leaves the containers it was inside
            raise
    return encoded

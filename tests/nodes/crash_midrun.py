#!/usr/bin/env python3
"""Broken on purpose: raises out of its main loop on the sixth request (raw protocol)."""
import json, sys

seen = 0
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    seen += 1
    if seen == 6:
        print("about to fail on", body, file=sys.stderr, flush=True)
        raise RuntimeError("boom: this node gives up")
    kind = "init_ok" if body["type"] == "init" else "echo_ok"
    reply = {"type": kind, "in_reply_to": body["msg_id"], **({"echo": body["echo"]} if kind == "echo_ok" else {})}
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)

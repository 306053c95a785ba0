#!/usr/bin/env python3
"""Broken on purpose: prints a debug line to stdout after a few requests (raw protocol)."""
import json, sys

seen = 0
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    seen += 1
    if seen == 5:
        print("DEBUG got request", body.get("msg_id"), flush=True)
    kind = "init_ok" if body["type"] == "init" else "echo_ok"
    reply = {"type": kind, "in_reply_to": body["msg_id"]}
    if kind == "echo_ok":
        reply["echo"] = body["echo"]
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)

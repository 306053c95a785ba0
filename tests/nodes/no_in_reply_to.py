#!/usr/bin/env python3
"""Broken on purpose: answers echo without in_reply_to (raw protocol, no library)."""
import json, sys

for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    if body["type"] == "init":
        reply = {"type": "init_ok", "in_reply_to": body["msg_id"]}
    else:
        reply = {"type": "echo_ok", "echo": body.get("echo")}
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)

#!/usr/bin/env python3
"""Hostile: a raw-protocol echo node whose third echo reply carries NaN, which Python's json
writes but JSON (and Maelstrom's parser) does not allow. NAN_TOKEN picks another token."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pids  # noqa: E402

pids.record(label="nan_reply")

token = os.environ.get("NAN_TOKEN", "NaN")
answered = 0
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = {"type": body["type"] + "_ok", "in_reply_to": body["msg_id"]}
    if body["type"] == "echo":
        answered += 1
        reply["echo"] = body["echo"]
        if answered == 3:
            reply["echo"] = "__TOKEN__"
    text = json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply})
    print(text.replace('"__TOKEN__"', token), flush=True)

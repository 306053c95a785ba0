#!/usr/bin/env python3
"""Hostile: writes 9 MB to stderr without a newline, then says one more line and serves a
correct echo (raw protocol)."""
import json
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pids  # noqa: E402

pids.record(label="stderr_no_newline")

sys.stderr.write("z" * 9_000_000)
sys.stderr.write("\nstderr_no_newline: after the long line\n")
sys.stderr.flush()
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = {"type": body["type"] + "_ok", "in_reply_to": body["msg_id"]}
    if body["type"] == "echo":
        reply["echo"] = body["echo"]
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)

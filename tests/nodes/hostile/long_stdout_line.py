#!/usr/bin/env python3
"""Hostile: a raw-protocol echo node whose second echo reply is a single 70 MB line, above
the bench's 64 MiB stdout line limit; it answers correctly otherwise."""
import json
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pids  # noqa: E402

pids.record(label="long_stdout_line")

answered = 0
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = {"type": body["type"] + "_ok", "in_reply_to": body["msg_id"]}
    if body["type"] == "echo":
        answered += 1
        reply["echo"] = body["echo"] if answered != 2 else "y" * 70_000_000
    sys.stdout.write(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}) + "\n")
    sys.stdout.flush()

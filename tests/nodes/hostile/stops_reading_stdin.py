#!/usr/bin/env python3
"""Hostile (raw protocol, two nodes): after init, n0 never reads its stdin again, while
n1 sends it 20 messages of 1 MB each, more than the bench will hold for a reader that
stopped reading."""
import json
import sys
import time
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pids  # noqa: E402

pids.record(label="stops_reading_stdin")

msg = json.loads(sys.stdin.readline())
me = msg["body"]["node_id"]
print(json.dumps({"src": me, "dest": msg["src"],
                  "body": {"type": "init_ok", "in_reply_to": msg["body"]["msg_id"]}}), flush=True)
if me == "n0":
    while True:
        time.sleep(60)
blob = "b" * 1_000_000
for _ in range(20):
    print(json.dumps({"src": me, "dest": "n0", "body": {"type": "blob", "data": blob}}),
          flush=True)
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = {"type": body["type"] + "_ok", "in_reply_to": body["msg_id"]}
    if body["type"] == "echo":
        reply["echo"] = body["echo"]
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)

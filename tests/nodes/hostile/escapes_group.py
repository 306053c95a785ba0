#!/usr/bin/env python3
"""Hostile: like forks_child_with_pipes.py, but the child leaves the node's process group
(setsid), so signalling the group misses it while it still holds the node's pipes."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pids

child = subprocess.Popen(["sleep", "600"], start_new_session=True)
pids.record(label="escapes_group")
pids.record(child.pid, "sleep child in its own session")
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = {"type": body["type"] + "_ok", "in_reply_to": body["msg_id"]}
    if body["type"] == "echo":
        reply["echo"] = body["echo"]
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)

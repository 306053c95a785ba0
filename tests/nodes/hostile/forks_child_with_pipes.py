#!/usr/bin/env python3
"""Hostile: a correct echo node (raw protocol) that starts a long-lived child which inherits
its stdin, stdout and stderr, and outlives it unless its whole process group is stopped."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pids

child = subprocess.Popen(["sleep", "600"])
pids.record(label="forks_child_with_pipes")
pids.record(child.pid, "sleep child")
for line in sys.stdin:
    msg = json.loads(line)
    body = msg["body"]
    reply = {"type": body["type"] + "_ok", "in_reply_to": body["msg_id"]}
    if body["type"] == "echo":
        reply["echo"] = body["echo"]
    print(json.dumps({"src": msg["dest"], "dest": msg["src"], "body": reply}), flush=True)

#!/usr/bin/env python3
"""Hostile: answers init, then exits with status 5 before anything else (raw protocol)."""
import json
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pids  # noqa: E402

pids.record(label="exit_after_init")

msg = json.loads(sys.stdin.readline())
print(json.dumps({"src": msg["dest"], "dest": msg["src"],
                  "body": {"type": "init_ok", "in_reply_to": msg["body"]["msg_id"]}}), flush=True)
print("exit_after_init: done after init", file=sys.stderr, flush=True)
sys.exit(5)

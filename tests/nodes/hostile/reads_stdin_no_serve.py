#!/usr/bin/env python3
"""Hostile (virtual time): mentions maelstrom_node only in this docstring, and speaks the
protocol itself by reading stdin at module level, with no serve(node)."""
import json
import sys

for line in sys.stdin:
    msg = json.loads(line)
    print(json.dumps({"src": msg["dest"], "dest": msg["src"],
                      "body": {"type": "init_ok", "in_reply_to": msg["body"]["msg_id"]}}))

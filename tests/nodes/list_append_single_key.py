#!/usr/bin/env python3
"""Correct for txn-list-append: the whole database is one lin-kv value, and a txn that
appends commits by compare-and-set of that value (a refused swap aborts it, code 30)."""
import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from maelstrom_node import ErrorCode, LinKV, RPCError, run


def serve(node):
    kv = LinKV(node)

    @node.handler
    async def txn(msg):
        before = await kv.read("root", default={})
        db = {k: list(v) for k, v in before.items()}
        done = []
        for f, k, v in msg.body["txn"]:
            if f == "r":
                done.append([f, k, list(db.get(str(k), []))])
            else:
                db.setdefault(str(k), []).append(v)
                done.append([f, k, v])
        if db != before and not await kv.cas("root", before, db, create=True):
            raise RPCError(ErrorCode.TXN_CONFLICT, "the database changed under this txn")
        return {"type": "txn_ok", "txn": done}


if __name__ == "__main__":
    run(serve)

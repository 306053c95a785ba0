"""store.write_history: history.edn and history.txt hold one line per op, whatever the
block size the lines are gathered in."""

import pytest

from glomers import edn, store
from glomers.edn import K


def _history(n):
    ops = []
    for i in range(n):
        ops.append({"index": 2 * i, "time": i, "type": K("invoke"), "process": i % 3,
                    "f": K("txn"), "value": [[K("w"), i, i + 1]]})
        ops.append({"index": 2 * i + 1, "time": i + 1, "type": K("ok"), "process": i % 3,
                    "f": K("txn"), "value": [[K("w"), i, i + 1], [K("r"), i, "x" * i]]})
    return ops


@pytest.mark.parametrize("block", [1, 50, 10**9])
def test_every_op_is_one_line_of_each_file(tmp_path, monkeypatch, block):
    monkeypatch.setattr(store, "HISTORY_BLOCK_CHARS", block)
    history = _history(40)
    store.write_history(str(tmp_path), history)
    assert (tmp_path / "history.edn").read_text() == "".join(
        edn.dumps_op(op) + "\n" for op in history)
    assert (tmp_path / "history.txt").read_text() == "".join(
        edn.history_txt_line(op) + "\n" for op in history)


def test_an_empty_history_makes_empty_files(tmp_path):
    store.write_history(str(tmp_path), [])
    assert (tmp_path / "history.edn").read_text() == ""
    assert (tmp_path / "history.txt").read_text() == ""

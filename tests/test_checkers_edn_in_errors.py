"""Values and ops in the checkers' errors and fallback explanations are written as
history.edn writes them (`:ok`, `"k"`, `nil`), never as Python's repr (`K('ok')`, `'k'`,
`None`), whatever the workload."""

import pytest

from glomers.checkers import g_counter, kafka_explain, list_append, list_append_explain
from glomers.checkers import set_full, txn_rw_register
from glomers.edn import Keyword as K

PYTHON_REPR = ("K(", "Keyword(", "None", "'")


def assert_edn(text):
    assert not any(mark in text for mark in PYTHON_REPR), text


def test_an_anomaly_without_its_own_explanation_is_printed_as_edn():
    case = {"type": K("G9-made-up"), "key": "k", "value": None, "ops": [1, 2]}
    result = {"valid?": False, "anomaly-types": [K("G9-made-up")],
              "anomalies": {"G9-made-up": [case]}}
    for checker in (txn_rw_register, list_append_explain):
        lines = checker.explain(result, [], {})
        [line] = [line for line in lines if line.startswith("G9-made-up: ")]
        assert line == 'G9-made-up: {:type :G9-made-up, :key "k", :value nil, :ops [1 2]}'
    # A long case stays on its one line.
    result["anomalies"]["G9-made-up"] = [dict(case, ops=list(range(40)))]
    for checker in (txn_rw_register, list_append_explain):
        [line] = [line for line in checker.explain(result, [], {}) if line.startswith("G9")]
        assert "\n" not in line and line.endswith(" ".join(map(str, range(40))) + "]}")


def test_a_kafka_error_type_without_its_own_explanation_is_printed_as_edn():
    result = {"valid?": False, "error-types": (K("made-up"),),
              "bad-error-types": (K("made-up"),),
              "made-up": {"count": 1, "errs": [{"key": "k", "op": {"type": K("ok")}}]}}
    lines = kafka_explain.explain(result, [], {})
    assert lines[-1] == '  {:key "k", :op {:type :ok}}'
    result["made-up"]["errs"][0]["op"]["value"] = list(range(40))
    line = kafka_explain.explain(result, [], {})[-1]
    assert "\n" not in line and line.endswith(" ".join(map(str, range(40))) + "]}}")


def test_errors_on_broken_histories_name_the_op_in_edn():
    broken = [
        (g_counter.check, [{"index": 0, "time": 0, "type": K("invoke"), "process": 0,
                            "f": K("read"), "value": None},
                           {"index": 1, "time": 1, "type": K("ok"), "process": 0,
                            "f": K("read"), "value": "7", "final?": True}]),
        (set_full.check, [{"index": 0, "time": 0, "type": K("ok"), "process": 0,
                           "f": K("read"), "value": None}]),
        (list_append.verify_unique_appends,
         [{"index": 0, "type": K("invoke"), "process": 0, "f": K("txn"),
           "value": [[K("append"), "k", "v"], [K("append"), "k", "v"]]}]),
    ]
    for check, history in broken:
        with pytest.raises(ValueError) as raised:
            check(history)
        assert_edn(str(raised.value))
    assert str(raised.value).startswith('value "v" appended to key "k" multiple times!')


def test_a_duplicate_writer_names_key_and_value_in_edn():
    history = []
    for index, (type_, value) in enumerate([
            ("invoke", [[K("w"), "k", "v"]]), ("ok", [[K("w"), "k", "v"]]),
            ("invoke", [[K("w"), "k", "v"]]), ("ok", [[K("w"), "k", "v"]]),
            ("invoke", [[K("r"), "k", None]]), ("ok", [[K("r"), "k", "v"]])]):
        history.append({"index": index, "time": index, "type": K(type_),
                        "process": index // 2, "f": K("txn"), "value": value})
    with pytest.raises(txn_rw_register.DuplicateWriter) as raised:
        txn_rw_register.check(history, {})
    assert str(raised.value) == 'Key "k" had value "v" written by more than one op: [1, 3]'

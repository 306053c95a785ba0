"""Each Gossip Glomers part: our script and the published command (the flags each
challenge page at fly.io/dist-sys gives), and how `challenge PART` overrides them.

The Makefile runs the real Maelstrom with these same flags; a test keeps the two in step.
"""

import os
import shlex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BROADCAST_EFFICIENT = "-w broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100"
KAFKA_MULTI = "-w kafka --node-count 2 --concurrency 2n --time-limit 20 --rate 1000"
TXN_MULTI = "-w txn-rw-register --node-count 2 --concurrency 2n --time-limit 20 --rate 1000"

# part -> (script, make target, flags exactly as published; 6c uses an ASCII --nemesis)
PARTS = {
    "1": ("echo.py", "echo", "-w echo --node-count 1 --time-limit 10"),
    "2": ("unique_ids.py", "unique-ids", "-w unique-ids --time-limit 30 --rate 1000 "
          "--node-count 3 --availability total --nemesis partition"),
    "3a": ("broadcast.py", "broadcast-a",
           "-w broadcast --node-count 1 --time-limit 20 --rate 10"),
    "3b": ("broadcast.py", "broadcast-b",
           "-w broadcast --node-count 5 --time-limit 20 --rate 10"),
    "3c": ("broadcast.py", "broadcast-c",
           "-w broadcast --node-count 5 --time-limit 20 --rate 10 --nemesis partition"),
    "3d": ("broadcast.py", "broadcast-d", BROADCAST_EFFICIENT),
    "3e": ("broadcast.py", "broadcast-e", BROADCAST_EFFICIENT),
    "4": ("counter.py", "counter", "-w g-counter --node-count 3 --rate 100 --time-limit 20 "
          "--nemesis partition"),
    "5a": ("kafka_log.py", "kafka-a",
           "-w kafka --node-count 1 --concurrency 2n --time-limit 20 --rate 1000"),
    "5b": ("kafka_log.py", "kafka-b", KAFKA_MULTI),
    "5c": ("kafka_log.py", "kafka-c", KAFKA_MULTI),
    "6a": ("txn.py", "txn-a", "-w txn-rw-register --node-count 1 --time-limit 20 --rate 1000 "
           "--concurrency 2n --consistency-models read-uncommitted --availability total"),
    "6b": ("txn.py", "txn-b", TXN_MULTI + " --consistency-models read-uncommitted"),
    "6b-partition": ("txn.py", "txn-b-partition", TXN_MULTI + " --consistency-models "
                     "read-uncommitted --availability total --nemesis partition"),
    "6c": ("txn.py", "txn-c", TXN_MULTI + " --consistency-models read-committed "
           "--availability total --nemesis partition"),
}

# The numeric targets of 3d and 3e, which Maelstrom itself never judges:
# (servers msgs-per-op, stable-latency median ms, stable-latency max ms), all "less than".
TARGETS = {"3d": (30, 400, 600), "3e": (20, 1000, 2000)}


def script_path(part):
    """Absolute path of our script for a part."""
    return os.path.join(ROOT, PARTS[part][0])


def argv(part, bin_path=None):
    """The `test` arguments for a part, pointed at `bin_path` (default: our script)."""
    script, _, flags = PARTS[part]
    return ["test", *shlex.split(flags), "--bin", bin_path or script_path(part)]


def is_kafka(part):
    """True for the parts that run the kafka workload (5a-5c)."""
    return "-w kafka " in PARTS[part][2] + " "


def available():
    """Parts whose script exists in this checkout, in order."""
    return [p for p in PARTS if os.path.exists(script_path(p))]


def missing_scripts_text(part):
    """Why `challenge PART` cannot run our script: an installed copy has only the library
    and the bench, not the solution scripts, which live in a clone."""
    script = PARTS[part][0] if part in PARTS else "the solution scripts"
    return (f"our script for {'every part' if part == 'all' else 'part ' + part} ({script}) "
            f"is not in {ROOT}: an installed glomers has the bench and maelstrom_node, not the "
            "solutions. Pass your own node with --bin ./your_node.py, or run from a clone of "
            "the repository (python3 -m glomers challenge ... there)")


# Flags that change how a run is made or shown, not the test Maelstrom would run.
BENCH_ONLY = {"seed", "seeds", "jobs", "virtual_time", "store", "quiet", "no_pictures", "log_stderr",
              "log_net_send", "log_net_recv", "stricter"}


def _text(value):
    """A parsed flag value as it would be typed (a fault list joined by commas)."""
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def flag_tokens(given):
    """The command-line words of given flags [(dest, flag, value)], to replay them."""
    tokens = []
    for _, flag, value in given:
        if value is True:
            tokens.append(flag)
        elif value is not False:
            tokens += [flag, _text(value)]
    return tokens


def describe_overrides(part, given, published):
    """One line on the flags given to `challenge PART`: which override the part's published
    command (with the value they replace) and which only change how the bench runs it.
    `published` is the options namespace of the published command, as parsed."""
    changed, also = [], []
    for dest, flag, value in given:
        shown = flag if value is True else f"{flag} {_text(value) or repr('')}"
        if dest in BENCH_ONLY:
            also.append(shown)
        elif dest == "bin":
            changed.append(f"{shown} (instead of our {PARTS[part][0]})")
        else:
            before = getattr(published, dest, None)
            if f"--{dest.replace('_', '-')}" in PARTS[part][2].split() or dest == "workload":
                was = f"published: {_text(before)}"
            else:
                was = ("not in the published command; Maelstrom's default: "
                       + (_text(before) if before not in (None, [], "") else "none"))
            changed.append(f"{shown} ({was})")
    parts = []
    if changed:
        parts.append("overriding " + ", ".join(changed))
    if also:
        parts.append("bench options " + " ".join(also))
    return "; ".join(parts)

"""What a run's logs say: the command it ran, why it stopped, and its nodes' last words.

For a Maelstrom folder, jepsen.log holds the command line (shown, and checked against
the challenges' published commands: a run of the unique-ids flags with `-w echo` is
named as such) and, when the test crashed, which node died and its last output. For a
bench folder, test.json holds why the bench aborted and every node problem it saw, and
node-logs/ each node's stderr.
"""

import functools
import re
import shlex

from . import challenges, run_files
from .run_folder import command_words, parse_command

LINE_WIDTH = 200
TAIL_LINES = 6          # last lines of a node log shown
PROBLEMS_SHOWN = 10     # node problems from test.json listed; the rest are counted
LOGS_SHOWN = 5          # node logs quoted for a folder that holds nothing else


def _cut(line):
    line = str(line)
    return line if len(line) <= LINE_WIDTH else line[:LINE_WIDTH] + "…"


# ---------------------------------------------------------------------------------------
# The command line


def _flag_pairs(words):
    """{flag: value} of a command's flags, -w spelled --workload; --bin left out."""
    pairs, position = {}, 0
    while position < len(words):
        word = words[position]
        position += 1
        if not word.startswith("-"):
            continue
        flag, _, value = word.partition("=")
        flag = "--workload" if flag == "-w" else flag
        if not value and position < len(words) and not words[position].startswith("-"):
            value = words[position]
            position += 1
        pairs[flag] = value or None
    pairs.pop("--bin", None)
    pairs.pop("--log-stderr", None)
    return pairs


@functools.lru_cache(maxsize=1)
def _published():
    """[(part, workload, its other flags)] of every challenge's published command."""
    found = []
    for part, (_, _, flags) in challenges.PARTS.items():
        theirs = _flag_pairs(shlex.split(flags))
        found.append((part, theirs.pop("--workload", None), theirs))
    return found


def published_part(words):
    """(part, its workload) of the challenge whose published flags these are, the
    workload aside, or None."""
    mine = _flag_pairs(words)
    mine_without = {flag: value for flag, value in mine.items() if flag != "--workload"}
    best = None
    for part, workload, theirs in _published():
        if theirs == mine_without:
            if workload == mine.get("--workload"):
                return part, workload
            best = best or (part, workload)
    return best


def command_notes(command):
    """Lines on a Maelstrom command line: words it did not read as flags, and which
    challenge's published command it is (or resembles with another workload)."""
    words = command_words(command)
    if not words:
        return []
    notes = []
    _, unread = parse_command(words)
    if unread:
        notes.append(f"note: Maelstrom did not read {_cut(' '.join(unread))!r} as flags "
                     "(a missing '--'?); the run used those flags' defaults")
    match = published_part(words)
    workload = _flag_pairs(words).get("--workload")
    if match and match[1] == workload:
        notes.append(f"(challenge {match[0]}'s published command)")
    elif match:
        notes.append(f"note: these are challenge {match[0]}'s published flags, which test "
                     f"{match[1]}, but this run used -w {workload}: the wrong workload?")
    return notes


# ---------------------------------------------------------------------------------------
# Why a Maelstrom run ended without results


def crash_report(log):
    """Lines saying what a log shows went wrong: the crash exception, the node that
    crashed with its exit status and its last stdout/stderr lines."""
    if not log:
        return ["no results.edn and no jepsen.log: nothing says how the run ended"]
    lines = log.splitlines()
    start = next((i for i, line in enumerate(lines) if "Test crashed!" in line), None)
    if start is None:
        problems = [line for line in lines if re.search(r"\b(WARN|ERROR)\b", line)
                    or line.startswith("Error")]
        if problems:
            return ["the log has no 'Test crashed!' line; its last warnings or errors:"] + \
                [f"  | {_cut(line)}" for line in problems[-5:]]
        return ["the log ends without an analysis or a crash report; the last lines:"] + \
            [f"  | {_cut(line)}" for line in lines[-5:]]
    body = []
    for line in lines[start + 1:start + 2001]:
        if line.startswith("\tat ") or re.match(r"^\d{4}-\d\d-\d\d ", line):
            break
        body.append(line)
    text = "\n".join(body)
    node = re.search(r"Node (\S+) crashed with exit status (-?\d+)", text)
    out = []
    if node:
        out.append(f"node {_cut(node.group(1))} exited with status {node.group(2)[:12]} during "
                   "the run, so Maelstrom aborted at teardown and wrote no results.edn")
        for label, section in _sections(body):
            cause = next((line for line in section if _CAUSE.search(line)), None)
            if cause is not None and cause not in section[-TAIL_LINES:]:
                out.append(f"its {label} says: {_cut(cause.strip())}")
            if section:
                out.append(f"its last {label} lines:")
                out.extend(f"  | {_cut(line)}" for line in section[-TAIL_LINES:])
    else:
        out.append("the test crashed before analysis:")
        out.extend(f"  | {_cut(line)}" for line in body[:8] if line.strip())
    return out


# A line of a node's output that usually names why it died (Go panic, Python traceback...).
_CAUSE = re.compile(r"panic|error|exception|traceback", re.IGNORECASE)


def _sections(body):
    """The STDOUT and STDERR sections of Maelstrom's node-crash message."""
    sections, current = {"stdout": [], "stderr": []}, None
    for line in body:
        if "wrote to STDOUT" in line:
            current = "stdout"
        elif line.strip() == "And to STDERR:":
            current = "stderr"
        elif current and line.strip():
            sections[current].append(line)
    return sections.items()


# ---------------------------------------------------------------------------------------
# The bench's own record


def _problem_line(problem):
    time = problem.get("time")
    when = (f" at {time:.3f} s" if isinstance(time, (int, float)) and not isinstance(time, bool)
            and abs(time) < 1e12 and time >= 0 else " during setup" if time is not None else "")
    return f"{_cut(problem.get('node', '?'))}{when}: {_cut(problem.get('detail', '(no detail)'))}"


def bench_report(folder):
    """Lines on what the bench recorded beyond the verdict: why it aborted (a crash it
    would exit 255 for, as Maelstrom aborts at teardown), each node problem, and the last
    lines of a crashed node's log."""
    meta = folder.meta
    out = []
    if meta.get("aborted"):
        out.append(f"the bench aborted the run, as Maelstrom would at teardown (it exited "
                   f"255, and Maelstrom writes no results.edn then): {_cut(meta['aborted'])}")
    problems = meta.get("problems") or []
    if problems:
        out.append(f"node problems the bench saw ({len(problems)}):")
    for problem in problems[:PROBLEMS_SHOWN]:
        out.append(f"  {_problem_line(problem)}")
        if problem.get("line"):
            out.append(f"    | {_cut(problem['line'])}")
    if len(problems) > PROBLEMS_SHOWN:
        out.append(f"  ... and {len(problems) - PROBLEMS_SHOWN} more")
    crashed = []
    for problem in problems:
        node = problem.get("node")
        if problem.get("kind") == "crash" and isinstance(node, str) and node not in crashed:
            crashed.append(node)
    for node in crashed[:3]:
        out.extend(node_log_lines(folder, f"{node}.log"))
    return out


def node_log_lines(folder, name):
    """The last lines of node-logs/<name>, by presence on disk."""
    if not re.fullmatch(r"[\w.-]+", name) or name.startswith("."):
        return []
    path = folder.dir / "node-logs" / name
    lines = run_files.tail_lines(str(path), TAIL_LINES)
    if not lines:
        return [f"  node-logs/{name} is empty or absent"] if folder.has("node-logs") else []
    return [f"  the last lines of node-logs/{name}:"] + [f"    | {_cut(line)}" for line in lines]


def partial_report(folder, logs):
    """Lines for a folder that holds node logs but none of a run's results: what it is."""
    held = [name + ("/" if name == "node-logs" else "") for name in folder.files
            if name in ("node-logs", "history.txt", "results.json", "messages.svg",
                        "timeline.html", "journal.jsonl")]
    out = [f"an incomplete run folder: it holds only {', '.join(held) or 'other files'}, "
           "with no test.json, jepsen.log, history or results.edn. Most likely a bench run "
           "that was stopped (Ctrl-C, or killed) before it wrote them; Maelstrom writes "
           "jepsen.log from the start of a run."]
    if logs:
        out.append(f"node-logs/ holds {len(logs)} log(s):")
        for name in logs[:LOGS_SHOWN]:
            out.extend(node_log_lines(folder, name))
        if len(logs) > LOGS_SHOWN:
            out.append(f"  ... and {len(logs) - LOGS_SHOWN} more")
    return out

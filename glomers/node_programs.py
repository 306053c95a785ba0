"""What is wrong with a --bin: checked before a run (missing, a directory, not executable, a
#! line naming no interpreter, no #! line, not built on maelstrom_node.py for --virtual-time)
and when the system refuses to start it; one line each, saying what to do."""

import errno
import os
import shutil



_BINARY_MAGIC = (b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                 b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
_SHEBANG_EXAMPLE = "#!/usr/bin/env python3"


def program_problem(path, in_process=False):
    """Why `path` cannot be run as a node, in words with what to do; None if it looks
    runnable. Read only, never run: a missing file, a directory, a missing run bit, a #! line
    naming an interpreter that is not there, text with no #! line (the system would refuse
    it with "Exec format error"). With `in_process`, a script not built on maelstrom_node.py."""
    if not os.path.lexists(path):
        return "no such file"
    if not os.path.exists(path):
        return "a symbolic link to a file that does not exist"
    if os.path.isdir(path):
        return "is a directory, not a program: give the path of the node's script or binary"
    if in_process:
        if not uses_library(path):
            return ("does not use maelstrom_node.py, which --virtual-time needs (it hosts "
                    "scripts built on the library); run it without --virtual-time")
        return None
    try:
        with open(path, "rb") as f:
            head = f.read(1024)
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    if not os.access(path, os.X_OK):
        hint = "" if head.startswith(b"#!") else f", and give it a #! line ({_SHEBANG_EXAMPLE})"
        return f"is not executable: chmod +x it{hint}"
    if head.startswith(b"#!"):
        return _shebang_problem(head)
    if head.startswith(_BINARY_MAGIC) or b"\0" in head:
        return None          # a binary: whether this machine runs it is for exec to say
    return (f"has no #! line, so the system cannot run it (Exec format error): make its "
            f"first line name its interpreter, e.g. {_SHEBANG_EXAMPLE}")


def _shebang_problem(head):
    line = head[2:].split(b"\n", 1)[0]
    if line.endswith(b"\r"):
        return ("its #! line ends with a carriage return (Windows line endings), so the "
                "system looks for an interpreter whose name ends in \\r: convert the file "
                "to Unix line endings")
    words = line.decode(errors="replace").split()
    if not words:
        return f"its #! line names no interpreter: write one, e.g. {_SHEBANG_EXAMPLE}"
    interpreter = words[0]
    if not os.path.exists(interpreter):
        return (f"its #! line names {interpreter}, which does not exist: install it or fix "
                f"the #! line (e.g. {_SHEBANG_EXAMPLE})")
    if os.path.isdir(interpreter) or not os.access(interpreter, os.X_OK):
        return f"its #! line names {interpreter}, which is not an executable program"
    if os.path.basename(interpreter) == "env":
        names = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if names and shutil.which(names[0]) is None:
            return (f"its #! line runs {names[0]} through env, but {names[0]} is not on "
                    "PATH: install it or fix the #! line")
    return None


def start_problem(path, error):
    """An OSError from starting `path` as a process, explained (the checks above catch most
    of these before the run; the system can still refuse, e.g. a binary for another CPU)."""
    if error.errno == errno.ENOEXEC:
        return (f"{path} is not a program this machine can run (Exec format error): a script "
                f"needs a #! line such as {_SHEBANG_EXAMPLE}, a binary must be built for "
                "this system")
    if error.errno == errno.ENOENT and os.path.exists(path):
        return f"{path} names an interpreter on its #! line that does not exist"
    if error.errno == errno.EACCES:
        return (f"{path} could not be run (permission denied): it, or the interpreter on "
                "its #! line, is not executable")
    return f"{path} could not be started: {error.strerror or error}"



def uses_library(path):
    """True when a --bin file is Python text that mentions maelstrom_node (the library the
    in-process host needs); read without running it."""
    try:
        with open(path, "rb") as f:
            text = f.read(1 << 20)
    except OSError:
        return False
    return b"\0" not in text and b"maelstrom_node" in text

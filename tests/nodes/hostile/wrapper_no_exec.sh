#!/bin/sh
# Hostile: a launcher that starts the real node WITHOUT exec, so the node is the bench's
# grandchild and holds the pipes after the shell is killed.
[ -n "$HOSTILE_PIDS" ] && echo "$$ wrapper" >> "$HOSTILE_PIDS"
python3 "$(dirname "$0")/echo_with_pid.py" "$@"
echo "wrapper: the node exited" >&2

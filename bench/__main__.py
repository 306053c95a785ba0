"""`make bench`: every benchmark in turn, each printing its own figures.

    python3 -m bench            all of them
    python3 -m bench modes txn  only those named (file names without .py)
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ORDER = ["speed", "echo_throughput", "modes", "broadcast", "counter", "kafka", "txn",
         "linearizability", "faults"]


def main(names):
    chosen = names or [n for n in ORDER if os.path.exists(os.path.join(HERE, n + ".py"))]
    status = 0
    for name in chosen:
        path = os.path.join(HERE, name + ".py")
        if not os.path.exists(path):
            print(f"no benchmark named {name!r} (have: {', '.join(ORDER)})", file=sys.stderr)
            return 2
        print(f"\n===== bench/{name}.py", flush=True)
        status = max(status, subprocess.run([sys.executable, path],
                                            cwd=os.path.dirname(HERE)).returncode)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`pip install .` into a fresh virtual environment gives the `glomers` command and an
importable maelstrom_node, both usable from any folder; an installed copy without the
solution scripts says how to run a part.

The install works on a copy of the files it needs, so no build/ or egg-info lands in the
repository. pip fetches setuptools (and wheel) from PyPI to build it, unless the venv already
has both, in which case it builds offline (--no-build-isolation).
"""

import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE = '''#!/usr/bin/env python3
from maelstrom_node import run


def serve(node):
    @node.handler
    def echo(msg):
        return {"type": "echo_ok", "echo": msg.body["echo"]}


if __name__ == "__main__":
    run(serve)
'''


def sh(*args, cwd, env=None, timeout=600):
    return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_pip_install_gives_the_command_and_the_library(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "maelstrom_node.py"):
        shutil.copy(os.path.join(ROOT, name), source / name)
    shutil.copytree(os.path.join(ROOT, "glomers"), source / "glomers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    made = sh(sys.executable, "-m", "venv", str(venv), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    python, command = venv / "bin" / "python", venv / "bin" / "glomers"
    offline = sh(str(python), "-c", "import setuptools, wheel", cwd=tmp_path).returncode == 0
    installed = sh(str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                   *(["--no-build-isolation"] if offline else []), str(source), cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert not any(name.endswith(".egg-info") for name in os.listdir(ROOT))

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    imported = sh(str(python), "-c", "import maelstrom_node, glomers; "
                  "print(maelstrom_node.__file__)", cwd=elsewhere, env=env)
    assert imported.returncode == 0, imported.stderr
    assert str(venv) in imported.stdout

    helped = sh(str(command), "--help", cwd=elsewhere, env=env)
    assert helped.returncode == 0 and helped.stdout.startswith("usage: glomers"), helped.stderr

    # A node saved here, started by the installed command in both modes; as a process its
    # `#!/usr/bin/env python3` may be another Python than the venv's, and still finds the
    # library.
    node = elsewhere / "my_node.py"
    node.write_text(NODE)
    node.chmod(0o755)
    for mode in ([], ["--virtual-time"]):
        ran = sh(str(command), "test", "-w", "echo", "--bin", str(node), "--node-count", "1",
                 "--time-limit", "2", "--seed", "1", "--store", str(tmp_path / "store"), *mode,
                 cwd=elsewhere, env=env)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "Everything looks good" in ran.stdout
        assert "could not draw" not in ran.stdout        # the viewer script was installed

    # The installed copy has no solution scripts: challenge says what to do instead.
    part = sh(str(command), "challenge", "3d", "--store", str(tmp_path / "store"),
              cwd=elsewhere, env=env)
    assert part.returncode == 254, part.stdout + part.stderr
    assert re.search(r"our script for part 3d \(broadcast\.py\) is not in .*Pass your own node "
                     r"with --bin \./your_node\.py, or run from a clone", part.stderr)
    mine = sh(str(command), "challenge", "1", "--bin", str(node), "--virtual-time", "--seed",
              "1", "--store", str(tmp_path / "store"), cwd=elsewhere, env=env)
    assert mine.returncode == 0, mine.stdout + mine.stderr

    # The oracle ships with a clone, not an install: said plainly, never taken for a verdict.
    oracle = sh(str(command), "oracle", cwd=elsewhere, env=env)
    assert oracle.returncode == 254
    assert "ship in a clone of the repository" in oracle.stdout

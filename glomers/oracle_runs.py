"""The real Maelstrom runs kept in oracle/, as objects tests and tools can walk.

Each run folder holds results.edn (when the real tool finished its analysis) and
history.edn.gz; manifest.json says where each came from and with which command. The
oracle ships with the repository (oracle/ at its root) unless the GLOMERS_ORACLE
environment variable points elsewhere.
"""

import os
import shlex
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from glomers import edn, run_files

REPO_ROOT = Path(__file__).resolve().parent.parent


def oracle_dir():
    """The oracle folder (absent from an installed copy unless GLOMERS_ORACLE names one)."""
    override = os.environ.get("GLOMERS_ORACLE")
    return Path(override) if override else REPO_ROOT / "oracle"


@dataclass(eq=False)
class Run:
    """One real `maelstrom test` run: its folder, manifest entry and parsed files."""

    workload: str
    dir: Path
    manifest: dict = field(default_factory=dict)

    @property
    def cmd(self):
        """The command line the run was started with, when its log kept it (else None)."""
        return self.manifest.get("cmd")

    def option(self, name):
        """The value of `--name` on the run's command line, or None (no command or no flag)."""
        words = shlex.split(self.cmd) if self.cmd else []
        for position, word in enumerate(words):
            if word == f"--{name}" and position + 1 < len(words):
                return words[position + 1]
            if word.startswith(f"--{name}="):
                return word.split("=", 1)[1]
        return None

    @property
    def availability(self):
        """The run's --availability target as the checker takes it: None, "total" or a number."""
        value = self.option("availability")
        return value if value in (None, "total") else float(value)

    @property
    def has_history(self):
        """True when the run kept its history."""
        return any((self.dir / name).exists() for name in ("history.edn.gz", "history.edn"))

    @cached_property
    def results(self):
        """The parsed results.edn, or None when the run never wrote one."""
        path = self.dir / "results.edn"
        return edn.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def history(self):
        """The run's ops, parsed from history.edn.gz (or history.edn)."""
        for name in ("history.edn.gz", "history.edn"):
            if (self.dir / name).exists():
                return edn.read_history(self.dir / name)
        raise FileNotFoundError(f"no history in {self.dir}")

    def __repr__(self):
        return f"Run({self.workload}/{self.dir.name})"


def runs(workload=None):
    """Every oracle run (of one workload if given), sorted by folder; [] without an oracle."""
    root = oracle_dir()
    if not root.is_dir():
        return []
    try:
        entries = run_files.read_json(str(root / "manifest.json"), 16 * run_files.MB)
    except run_files.Unreadable:
        entries = None          # the runs are still there; only their provenance is lost
    by_dest = {entry.get("dest"): entry for entry in entries
               if isinstance(entry, dict)} if isinstance(entries, list) else {}
    found = []
    for run_dir in sorted(path for path in root.glob("*/*") if path.is_dir()):
        name = run_dir.parent.name
        if workload is not None and name != workload:
            continue
        entry = by_dest.get(f"{name}/{run_dir.name}", {})
        found.append(Run(workload=name, dir=run_dir, manifest=entry))
    return found

"""`python3 -m glomers.pictures DIR...`: draw (or redraw) the pictures of run folders: a
bench run drawn with --no-pictures or a sweep's passing seed, or a real Maelstrom folder
(which has no message journal: it gets the timeline and the plots)."""

import sys

from . import draw
from ..run_folder import load


def main(argv=None):
    """Draw each folder named; exit 0 if every picture was drawn, 1 otherwise."""
    folders = list(sys.argv[1:] if argv is None else argv)
    if not folders:
        print("usage: python3 -m glomers.pictures RUN_FOLDER...", file=sys.stderr)
        return 254
    status = 0
    for path in folders:
        try:
            folder = load(path)
        except (OSError, ValueError) as error:
            print(f"{path}: {error}", file=sys.stderr)
            status = 1
            continue
        if folder.history is None and folder.journal is None:
            print(f"{folder.dir}: no history.edn and no journal.jsonl, nothing to draw",
                  file=sys.stderr)
            status = 1
            continue
        drawn = draw(str(folder.dir), folder.journal, folder.history, folder.results,
                     folder.opts)
        print(f"{folder.dir}: {', '.join(drawn.files) or 'nothing drawn'}")
        for name, error in drawn.errors:
            print(f"  could not draw {name}: {error}", file=sys.stderr)
            status = 1
        for line in drawn.where:
            print(f"  {line}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())

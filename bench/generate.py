"""Fill a lang-portal database with N words, groups, sessions and reviews, quickly.

    python bench/generate.py DB --words 100000 --reviews 1000000

The history's shape is described in harness/history.py.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.history import generate  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a new SQLite file, or a postgresql:// URL of an empty database")
    parser.add_argument("--words", type=int, default=1000)
    parser.add_argument("--reviews", type=int, default=1000)
    args = parser.parse_args()
    if not args.path.startswith(("postgresql://", "postgres://")) and Path(args.path).exists():
        parser.error(f"{args.path} exists; give a new file")
    started = time.monotonic()
    counts = generate(args.path, args.words, args.reviews)
    print(f"{args.path}: {counts} in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()

"""The review write at 16 clients with group commit on and off (SQLite's own sync in each
COMMIT), side by side, on this machine's disk and on one whose syncs take SLOW_SYNC_MS
longer (bench/slow_sync.c by LD_PRELOAD; left out without a C compiler). SQLite only."""

import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from bench.measure.pairs import paired, side_by_side

ROOT = Path(__file__).resolve().parent.parent.parent
SLOW_SYNC_MS = 2  # the slow disk's extra time per sync


def slow_sync_library(workdir):
    """bench/slow_sync.c built as a library for LD_PRELOAD, or None without a C compiler."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or not sys.platform.startswith("linux"):
        return None
    library = Path(workdir) / "slow_sync.so"
    source = ROOT / "bench" / "slow_sync.c"
    subprocess.run([compiler, "-shared", "-fPIC", "-O2", "-o", str(library), str(source), "-ldl"], check=True)
    return library


def measure(run, results):
    if run.store.engine != "sqlite":
        return {}
    print("group commit on and off, side by side, on this disk and on a slow one ...", flush=True)
    disks = {"this disk": {}}
    library = slow_sync_library(run.workdir)
    if library is None:
        print("  (no C compiler: the slow disk is left out)", flush=True)
    else:
        disks[f"syncs + {SLOW_SYNC_MS} ms"] = {"LD_PRELOAD": str(library), "SLOW_SYNC_US": str(SLOW_SYNC_MS * 1000)}
    found = {}
    for disk, env in disks.items():
        measured = side_by_side(
            run,
            {mode: (run.base_db, {"LANG_PORTAL_GROUP_COMMIT": mode, **env}) for mode in ("on", "off")},
            lambda mode: {"review": ("", run.review_lua)},
            run.seconds,
            connections=16,
        )
        found[disk] = {
            "on_over_off": paired(measured["on"], measured["off"], "rps")["review"],
            "on_rps": statistics.median(m["rps"] for m in measured["on"]["review"]),
            "off_rps": statistics.median(m["rps"] for m in measured["off"]["review"]),
        }
    return {"group_commit": found}

"""The tools the benchmark needs beside the project's own: wrk and matplotlib."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def ensure_tools():
    """wrk from Debian, matplotlib from PyPI: install them if this machine lacks them."""
    if shutil.which("wrk") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            print("Installing wrk (apt-get install wrk) ...", flush=True)
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
        else:
            sys.exit("bench/run.py needs wrk: run `sudo apt-get install wrk` (Debian/Ubuntu), then run again.")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("Installing bench/requirements.txt (matplotlib) ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "-r", str(ROOT / "bench" / "requirements.txt")], check=True
        )

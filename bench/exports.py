"""The size and time of every export on a big history, served as the README serves it (figures: docs/performance.md).

    python bench/exports.py                      # 1,000,000 reviews, 10,000 words
    python bench/exports.py --reviews 100000     # smaller

Fills a database with harness/history.py, starts serve.py on it, downloads each export
once as a client would (streamed, every byte read), and prints bytes, seconds and the
serving processes' peak memory. The xAPI statements are walked page by page (500 a page,
following `more`) to the end. Results go to bench/results/exports.json (ignored by git).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.measure.servers import Server  # noqa: E402
from bench.measure.wrk import Wrk  # noqa: E402
from bench.run import OUT_DIR  # noqa: E402
from harness import history  # noqa: E402


def download(url):
    """(bytes, seconds) of one GET, read to the end as it streams."""
    started = time.perf_counter()
    size = 0
    with requests.get(url, stream=True, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_content(1 << 16):
            size += len(chunk)
    return size, time.perf_counter() - started


def walk_statements(base):
    """(bytes, seconds, pages, statements) of every xAPI page, following more."""
    started = time.perf_counter()
    size = pages = statements = 0
    url = f"{base}/api/xapi/statements?limit=500"
    while url:
        response = requests.get(url, timeout=600)
        response.raise_for_status()
        size += len(response.content)
        body = response.json()
        pages += 1
        statements += len(body["statements"])
        url = f"{base}{body['more']}" if body["more"] else ""
    return size, time.perf_counter() - started, pages, statements


def main():
    parser = argparse.ArgumentParser(description="export sizes and times on a big history")
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--words", type=int, default=10_000)
    args = parser.parse_args()
    results = {"reviews": args.reviews, "words": args.words}
    with tempfile.TemporaryDirectory(prefix="lang-portal-exports-") as workdir:
        path = str(Path(workdir) / "history.db")
        print(f"filling {args.words} words, {args.reviews} reviews ...", flush=True)
        history.generate(path, args.words, args.reviews)
        with Server(path, Wrk()) as server:
            base = server.url
            for name, endpoint in {
                "group words CSV (500 words)": "/api/groups/1/export.csv",
                "Anki deck (500 words)": "/api/groups/1/export.apkg",
                "review log CSV": "/api/learners/1/reviews.csv",
                "review log CSV, py-fsrs columns": "/api/learners/1/reviews.csv?format=fsrs",
            }.items():
                size, seconds = download(base + endpoint)
                results[name] = {"bytes": size, "seconds": round(seconds, 2)}
                print(f"{name:36} {size:>13,} bytes {seconds:7.2f} s", flush=True)
            size, seconds, pages, statements = walk_statements(base)
            results["xAPI statements, every page"] = {
                "bytes": size,
                "seconds": round(seconds, 2),
                "pages": pages,
                "statements": statements,
            }
            print(
                f"{'xAPI statements, every page':36} {size:>13,} bytes {seconds:7.2f} s"
                f"  ({statements} statements in {pages} pages)",
                flush=True,
            )
            results["peak_rss_mib"] = round(server.memory_kib("VmHWM") / 1024)
            print(f"peak memory of the serving processes: {results['peak_rss_mib']} MiB", flush=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "exports.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

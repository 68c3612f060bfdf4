"""lang-portal benchmark: ratios measured side by side under the production server.

    python bench/run.py                        # the full run (about 30 minutes)
    python bench/run.py --quick                # a few minutes, smaller histories
    python bench/run.py --engine postgresql    # the same on PostgreSQL, and both engines side by side
    python bench/run.py --only floor,scale     # some experiments only (--list names them)

Starts the API as the README serves it (serve.py) on temporary databases filled by
harness/history.py, drives it with wrk from a separate process, and prints a table of
figures, each with its goal, and a summary line; docs/performance.md describes the method.
The experiments are bench/experiments/, the measuring bench/measure/, the table and the
plot bench/report.py. Results go to bench/results/ (ignored by git).
"""

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import experiments, report  # noqa: E402
from bench.measure.context import Run  # noqa: E402
from bench.measure.servers import PROCESSES, machine_times  # noqa: E402
from bench.measure.stores import PostgreSQLStore, SQLiteStore  # noqa: E402
from bench.measure.tools import ensure_tools  # noqa: E402
from harness import postgres  # noqa: E402

OUT_DIR = ROOT / "bench" / "results"
NAMES = [experiments.name(module) for module in experiments.ORDER]


def arguments():
    parser = argparse.ArgumentParser(description="lang-portal benchmark (ratios measured side by side)")
    parser.add_argument("--quick", action="store_true", help="small histories and short runs")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="directory for results.json and the plot")
    parser.add_argument(
        "--engine",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="where the databases are made (postgresql: a throwaway durable server; needs its programs)",
    )
    parser.add_argument("--only", help="comma-separated experiments to run, in their usual order (see --list)")
    parser.add_argument("--list", action="store_true", help="name the experiments and stop")
    args = parser.parse_args()
    chosen = NAMES if args.only is None else [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(NAMES))
    if unknown:
        parser.error(f"no experiment named {', '.join(unknown)}; the experiments are {', '.join(NAMES)}")
    args.experiments = [module for module in experiments.ORDER if experiments.name(module) in chosen]
    return args


def measure(args, workdir, store):
    """Every chosen experiment on one run's databases; the results."""
    run = Run(quick=args.quick, workdir=Path(workdir), store=store)
    run.prepare()
    results = {
        "quick": run.quick,
        "engine": store.engine,
        "processes": PROCESSES,
        "seconds_per_measurement": run.seconds,
    }
    for experiment in args.experiments:
        results.update(experiment.measure(run, results))
    results["errors"] = run.wrk.errors
    return results


def main():
    args = arguments()
    if args.list:
        for module in experiments.ORDER:
            print(f"{experiments.name(module):14} {module.__doc__.splitlines()[0]}")
        return
    ensure_tools()
    started, times = time.monotonic(), machine_times()
    with tempfile.TemporaryDirectory(prefix="lang-portal-bench-") as workdir:
        if args.engine == "postgresql":
            with postgres.cluster(durable=True) as url:
                results = measure(args, workdir, PostgreSQLStore(url))
        else:
            results = measure(args, workdir, SQLiteStore(workdir))
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    stolen, total = (after - before for after, before in zip(machine_times(), times, strict=True))
    results["cpu_stolen"] = stolen / total
    report.report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    name = "results.json" if args.engine == "sqlite" else f"results-{args.engine}.json"
    (args.out / name).write_text(json.dumps(results, indent=2) + "\n")
    plotted = report.plot(results, args.out / name.replace("results", "latency_vs_history").replace(".json", ".png"))
    print(f"wrote {args.out / name}{' and the plot' if plotted else ''} in {results['elapsed_s']} s")


if __name__ == "__main__":
    main()

"""The report of a run: every figure with its goal, a summary of the goals met, and a plot
of latency against history size. Sections a run did not measure are left out."""

# (goal, the results it needs, whether they meet it)
GOALS = [
    ("hooks: GET /api >= 0.9 x bare Flask", "floor", lambda r: r["floor"]["ours_over_bare"] >= 0.9),
    ("review POST >= 0.55 x floor", "throughput", lambda r: r["throughput"]["review_over_floor"] >= 0.55),
    ("words page >= 0.8 x floor", "throughput", lambda r: r["throughput"]["words_over_floor"] >= 0.8),
    ("every scale ratio <= 1.5", "scale_ratios", lambda r: max(r["scale_ratios"].values()) <= 1.5),
    (
        "limits on / off >= 0.95 on every route",
        "limits_on_over_off",
        lambda r: min(r["limits_on_over_off"].values()) >= 0.95,
    ),
    (
        "class mode / open mode: GET /api CPU <= 1.05",
        "access",
        lambda r: r["access"]["class_over_open"] <= 1.05,
    ),
    ("one learner of many <= 1.5", "learners_ratios", lambda r: max(r["learners_ratios"].values()) <= 1.5),
    ("memory growth < 10%", "memory", lambda r: r["memory"]["growth"] < 0.10),
    ("fit job at 1M answers <= 60 s", "fitting_1m", lambda r: r["fitting_1m"]["fit_job_s"] <= 60),
    ("GET schedule at 1M answers < 100 ms", "fitting_1m", lambda r: r["fitting_1m"]["schedule_get_ms"] < 100),
    (
        "health p99 during a fit <= 2 x idle",
        "fitting_health",
        lambda r: r["fitting_health"]["fit_over_idle_p99"] <= 2,
    ),
]
FITTING_GOALS_AT = 1_000_000  # answers: the fit's and GET schedule's goals are stated there


def growth(small, large, name, p50_ratios):
    return (
        f"{small[name + '_cpu_us']:.0f} -> {large[name + '_cpu_us']:.0f} us CPU; "
        f"p50 {small[name + '_p50_ms']:.2f} -> {large[name + '_p50_ms']:.2f} ms (x{p50_ratios[name]:.2f})"
    )


def _engines(r):
    e = r["engines"]
    rows = [
        (
            f"{name}: review 16 / 64 clients",
            f"{e[name]['c16_rps']:.0f} / {e[name]['c64_rps']:.0f} req/s",
            f"p99 {e[name]['c16_p99_ms']:.0f} / {e[name]['c64_p99_ms']:.0f} ms; floor {e[name]['floor_rps']:.0f} req/s",
            "",
        )
        for name in ("sqlite", "postgresql")
    ]
    ratio = e["postgresql_over_sqlite"]
    rows.append(
        (
            "postgresql / sqlite: review 16 / 64 clients",
            f"{ratio['c16_rps']:.2f} / {ratio['c64_rps']:.2f}",
            f"p99 at 64 clients x{ratio['c64_p99_ms']:.2f}",
            "",
        )
    )
    return rows


def _floor(r):
    f = r["floor"]
    return [
        (
            "GET /api / the same route on bare Flask",
            f"{f['ours_over_bare']:.2f}",
            f"{f['ours_rps']:.0f} / {f['bare_rps']:.0f} req/s; CPU per request, bare / ours {f['ours_over_bare_cpu']:.2f}",
            ">= 0.9",
        ),
        (
            "floor: GET /api/health / bare Flask's",
            f"{f['health_over_bare']:.2f}",
            f"{f['health_rps']:.0f} / {f['bare_health_rps']:.0f} req/s; ours checks the file, reads the schema",
            "",
        ),
    ]


def _throughput(r):
    t, lat = r["throughput"], r["review_latency"]
    return [
        ("POST review / floor", f"{t['review_over_floor']:.2f}", f"{t['review_rps']:.0f} req/s", ">= 0.55"),
        ("GET /api/words / floor", f"{t['words_over_floor']:.2f}", f"{t['words_rps']:.0f} req/s", ">= 0.8"),
        (
            "GET /api/words, read anew / floor",
            f"{t['words_uncached_over_floor']:.2f}",
            f"{t['words_uncached_rps']:.0f} req/s (LANG_PORTAL_RESPONSE_CACHE=off)",
            "",
        ),
        ("GET dashboard/stats / floor", f"{t['stats_over_floor']:.2f}", f"{t['stats_rps']:.0f} req/s", ""),
        ("review p50 / p99, 16 clients", f"{lat['c16_p50_ms']:.0f} / {lat['c16_p99_ms']:.0f} ms", "", ""),
        (
            "review p50 / p99, 64 clients",
            f"{lat['c64_p50_ms']:.0f} / {lat['c64_p99_ms']:.0f} ms",
            f"{lat['c64_rps']:.0f} req/s",
            "",
        ),
    ]


def _group_commit(r):
    return [
        (
            f"group commit on / off: review, {disk}",
            f"{found['on_over_off']:.2f}",
            f"{found['on_rps']:.0f} / {found['off_rps']:.0f} req/s, 16 clients",
            "",
        )
        for disk, found in r["group_commit"].items()
    ]


def _limits(r):
    rows = []
    for name, ratio in r["limits_on_over_off"].items():
        http, rps_ratio = r["limits_on_over_off_http"][name], r["limits_on_over_off_rps"][name]
        note = f"in-process CPU per request, off / on; over HTTP {http:.2f}, req/s {rps_ratio:.2f}"
        rows.append((f"limits on / off: {name}", f"{ratio:.2f}", note, ">= 0.95"))
    return rows


def _access(r):
    a = r["access"]
    note = (
        f"in-process CPU per request, class / open; over HTTP {a['class_over_open_http']:.2f}, "
        f"req/s {a['class_over_open_rps']:.2f}"
    )
    return [("class / open mode: GET /api with a token", f"{a['class_over_open']:.2f}", note, "<= 1.05")]


def _in_process(r):
    ip = r["in_process"]
    rows = [
        (
            "in-process answers",
            f"{ip['answers_per_s']:.0f}/s",
            f"{ip['answers_per_s_without_memory']:.0f}/s without the FSRS step",
            "",
        ),
        ("answer write with / without FSRS step", f"{ip['memory_step_cost']:.2f}", "time per answer", ""),
    ]
    if "http_review_over_in_process" in ip:
        rows.append(("HTTP review / in-process answer", f"{ip['http_review_over_in_process']:.2f}", "", ""))
    return rows


def _scale(r):
    first, last = r["scale"][0], r["scale"][-1]
    return [
        (f"scale {name}", f"{ratio:.2f}", growth(first, last, name, r["scale_ratios_p50"]), "<= 1.5")
        for name, ratio in r["scale_ratios"].items()
    ]


def _learners(r):
    first, last = r["learners"][0], r["learners"][-1]
    return [
        (f"learner 1 of many: {name}", f"{ratio:.2f}", growth(first, last, name, r["learners_ratios_p50"]), "<= 1.5")
        for name, ratio in r["learners_ratios"].items()
    ]


def _memory(r):
    mem = r["memory"]
    return [
        (
            f"memory growth {mem['requests_low']} -> {mem['requests_high']} req",
            f"{mem['growth']:+.1%}",
            f"peak {mem['peak_kib'] / 1024:.0f} MiB over {r['processes']} processes",
            "< 10%",
        )
    ]


def _fitting(r):
    rows = []
    for size in r["fitting"]:
        answers, at_goal = f"{size['answers']:,} answers", size["answers"] == FITTING_GOALS_AT
        rows += [
            (
                f"fit job, {answers}",
                f"{size['fit_job_s']:.1f} s",
                f"reading and fitting {size['fit_s']:.1f} s, rescheduling {size['words']:,} words "
                f"{size['reschedule_s']:.1f} s; its process {size['job_cpu_s']:.1f} s CPU; "
                f"POST 202 in {size['optimize_post_s']:.2f} s; "
                f"log loss {size['log_loss_before']:.4f} -> {size['log_loss_after']:.4f}",
                "<= 60 s" if at_goal else "",
            ),
            (f"evaluate job, {answers}", f"{size['evaluate_job_s']:.1f} s", f"{size['counted']:,} count", ""),
            (
                f"GET schedule, {answers}",
                f"{size['schedule_get_ms']:.1f} ms",
                "p50, the evaluation kept",
                "< 100 ms" if at_goal else "",
            ),
        ]
    h = r["fitting_health"]
    process = next((s["job_process"] for s in r["fitting"] if s["answers"] == h["answers"]), None)
    rows.append(
        (
            "health p99: during a fit / idle",
            f"{h['fit_over_idle_p99']:.2f}",
            f"p99 {h['idle_p99_ms']:.1f} -> {h['fit_p99_ms']:.1f} ms, p50 {h['idle_p50_ms']:.1f} -> "
            f"{h['fit_p50_ms']:.1f} ms; one client, {h['answers']:,} answers"
            + (f"; the job at nice {process['nice']}, {process['threads']} threads" if process else "")
            + f"; load average {h['load_at_fit_end']:.1f} at its end",
            "<= 2",
        )
    )
    return rows


# (the results a section needs, its rows), in the order of the table
SECTIONS = [
    ("engines", _engines),
    ("floor", _floor),
    ("throughput", _throughput),
    ("group_commit", _group_commit),
    ("limits_on_over_off", _limits),
    ("access", _access),
    ("in_process", _in_process),
    ("scale", _scale),
    ("learners", _learners),
    ("memory", _memory),
    ("fitting", _fitting),
]


def report(results):
    """Print the table and the summary; record the goals met and missed in results."""
    rows = [row for needs, rows_of in SECTIONS if needs in results for row in rows_of(results)]
    width = max(len(r[0]) for r in rows)
    print("\n(scale and learner figures: CPU per request, large over small; p50 latency beside)")
    print()
    print(f"{'figure'.ljust(width)}  {'value':>16}  {'goal':>8}  note")
    for name, value, note, goal in rows:
        print(f"{name.ljust(width)}  {value:>16}  {goal:>8}  {note}")
    sizes = []
    if "scale" in results:
        first, last = results["scale"][0], results["scale"][-1]
        sizes.append(
            f"scale: {first['words']} words / {first['reviews']} reviews -> "
            f"{last['words']} words / {last['reviews']} reviews"
        )
    if "learners" in results:
        first, last = results["learners"][0], results["learners"][-1]
        sizes.append(
            f"learners: 1 learner / {first['reviews']} reviews -> {last['learners']} learners / {last['reviews']} reviews"
        )
    if "fitting" in results:
        fitting = results["fitting"]
        sizes.append(
            f"fitting: one learner, {fitting[0]['answers']} -> {fitting[-1]['answers']} answers, ten a word; "
            f"health idle {results['fitting_health']['idle_seconds']} s in all, before and after the fit"
        )
    if sizes:
        print("\n" + "; ".join(sizes))
    measured = [(name, check) for name, needs, check in GOALS if needs in results]
    met = [name for name, check in measured if check(results)]
    missed = [name for name, check in measured if not check(results)]
    results["goals_met"], results["goals_missed"] = met, missed
    print(
        f"SUMMARY: {len(met)}/{len(measured)} goals met"
        + (f"; missed: {', '.join(missed)}" if missed else "")
        + (f"; not measured: {len(GOALS) - len(measured)}" if len(measured) < len(GOALS) else "")
        + f"; errors during the run: {results['errors']}"
        + f"; CPU time stolen by other guests of this machine: {results['cpu_stolen']:.0%}"
    )


def plot(results, path):
    """Latency against history size, one line per endpoint of the scale experiment."""
    if "scale" not in results:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scale = results["scale"]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for key in results["scale_ratios"]:
        ax.plot([r["reviews"] for r in scale], [r[f"{key}_p50_ms"] for r in scale], marker="o", label=key)
    ax.set_xscale("log")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("answers in the history (words grow with it, to 100,000)")
    ax.set_ylabel("p50 latency, ms (4 clients)")
    ax.set_title("lang-portal: latency against history size")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True

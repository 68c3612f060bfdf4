"""One learner among many against one alone, on the same number of words, servers side by
side, the word lists' cache off: CPU per request, many over one."""

from bench.experiments.scale import UNCACHED
from bench.measure.pairs import medians, paired, side_by_side
from harness import history

SIZES = [(1, 1000), (1000, 1_000_000)]  # learners, answers
QUICK_SIZES = [(1, 1000), (100, 100_000)]
ENDPOINTS = {
    "dashboard_stats": ("/api/dashboard/stats?learner_id=1", None),
    "study_sessions": ("/api/study_sessions?learner_id=1", None),
    "words": ("/api/words?learner_id=1", None),
    "words_by_correct": ("/api/words?learner_id=1&sort_by=correct_count&order=desc", None),
    "group_words": ("/api/groups/1/words?learner_id=1&sort_by=wrong_count", None),
    "study_queue": ("/api/study_queue?learner_id=1", None),
}


def measure(run, results):
    sizes = QUICK_SIZES if run.quick else SIZES
    print(f"one learner among {sizes[-1][0]} against one alone, side by side ...", flush=True)
    paths = {}
    for n_learners, n_reviews in sizes:
        paths[n_learners, n_reviews] = run.store.new(f"learners-{n_learners}")
        history.generate(paths[n_learners, n_reviews], 1000, n_reviews, learners=n_learners)
    measured = side_by_side(
        run, {size: (path, UNCACHED) for size, path in paths.items()}, lambda size: ENDPOINTS, run.side_seconds
    )
    for path in paths.values():
        run.store.remove(path)
    small, large = measured[sizes[0]], measured[sizes[-1]]
    return {
        "learners": [{"learners": size[0], "reviews": size[1], **medians(measured[size])} for size in sizes],
        "learners_ratios": paired(large, small, "cpu_us"),
        "learners_ratios_p50": paired(large, small, "p50_ms"),
    }

"""The lists at three history sizes (two with --quick), servers side by side, the word
lists' cache off: CPU per request of the largest over the smallest."""

from bench.measure.pairs import medians, paired, side_by_side
from bench.measure.wrk import WORD_LUA, script
from harness import history

SIZES = [(1000, 1000), (10_000, 10_000), (100_000, 1_000_000)]  # words, answers
QUICK_SIZES = [(1000, 1000), (10_000, 100_000)]
UNCACHED = {"LANG_PORTAL_RESPONSE_CACHE": "off"}  # these figures are what the queries cost


def measure(run, results):
    sizes = QUICK_SIZES if run.quick else SIZES
    print(f"scale: {', '.join(f'{w} words / {r} reviews' for w, r in sizes)}, side by side ...", flush=True)
    paths = {}
    for n_words, n_reviews in sizes:
        paths[n_words, n_reviews] = run.store.new(f"scale-{n_words}-{n_reviews}")
        history.generate(paths[n_words, n_reviews], n_words, n_reviews)

    def endpoints(size):
        n_words = size[0]
        last_page = -(-n_words // 50)
        group_last = history.GROUP_SIZE // 100
        return {
            "dashboard_stats": ("/api/dashboard/stats", None),
            "study_sessions": ("/api/study_sessions", None),
            "word_by_id": ("", script(run.workdir, f"word_by_id-{n_words}", WORD_LUA, words=n_words)),
            "words_by_correct_first_page": ("/api/words?sort_by=correct_count&order=desc", None),
            "words_by_correct_last_page": (f"/api/words?sort_by=correct_count&order=desc&page={last_page}", None),
            "words_by_wrong_first_page": ("/api/words?sort_by=wrong_count&order=desc", None),
            "words_by_wrong_last_page": (f"/api/words?sort_by=wrong_count&order=desc&page={last_page}", None),
            "group_words_by_correct_first_page": ("/api/groups/1/words?sort_by=correct_count&per_page=100", None),
            "group_words_by_correct_last_page": (
                f"/api/groups/1/words?sort_by=correct_count&per_page=100&page={group_last}",
                None,
            ),
            "words_last_page": (f"/api/words?page={last_page}", None),
        }

    measured = side_by_side(run, {size: (path, UNCACHED) for size, path in paths.items()}, endpoints, run.side_seconds)
    for path in paths.values():
        run.store.remove(path)
    return {
        "scale": [{"words": size[0], "reviews": size[1], **medians(measured[size])} for size in sizes],
        "scale_ratios": paired(measured[sizes[-1]], measured[sizes[0]], "cpu_us"),
        "scale_ratios_p50": paired(measured[sizes[-1]], measured[sizes[0]], "p50_ms"),
    }

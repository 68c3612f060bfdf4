"""serve.py's own pieces, without starting a server (tests/slow/test_servers.py starts it)."""

import logging

from serve import SaturationLog


def test_the_saturation_warning_passes_once_per_interval_and_counts_the_rest(caplog):
    warnings = SaturationLog(logging.getLogger("waitress.queue"), interval=60.0)
    with caplog.at_level(logging.WARNING, logger="waitress.queue"):
        for depth in range(1, 501):
            warnings.warning("Task queue depth is %d", depth)
        assert [r.getMessage() for r in caplog.records] == ["Task queue depth is 1"]
        warnings.next_at = 0.0  # the interval has passed
        warnings.warning("Task queue depth is %d", 7)
    assert caplog.records[-1].getMessage() == "Task queue depth is 7 (499 more since the last such warning)"
    assert len(caplog.records) == 2

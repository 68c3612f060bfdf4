def pytest_terminal_summary(terminalreporter):
    """Print the figures the slow tests measured (fuzzed requests, load, crashes, browser)."""
    from tests.slow import test_fuzz, test_load

    if test_fuzz.GENERATED["requests"]:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(test_fuzz.GENERATED["by_status"].items()))
        terminalreporter.write_line(f"schemathesis: {test_fuzz.GENERATED['requests']} requests ({statuses})")
    for line in test_load.FIGURES.values():
        terminalreporter.write_line(line)

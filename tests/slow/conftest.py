def pytest_terminal_summary(terminalreporter):
    """Print the figures the slow tests measured (fuzzed requests and the like)."""
    from tests.slow import test_fuzz

    if test_fuzz.GENERATED["requests"]:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(test_fuzz.GENERATED["by_status"].items()))
        terminalreporter.write_line(f"schemathesis: {test_fuzz.GENERATED['requests']} requests ({statuses})")

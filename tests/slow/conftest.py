from tests.slow.figures import FIGURES


def pytest_terminal_summary(terminalreporter):
    """Print the figures the slow tests measured (fuzzed requests, load, crashes, faults)."""
    for line in FIGURES.values():
        terminalreporter.write_line(line)

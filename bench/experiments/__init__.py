"""The experiments, one module each, in the order a run makes them. Each has measure(run,
results), which returns the figures it adds to results (docs/performance.md says what
each measures)."""

from bench.experiments import (
    access,
    engines,
    fitting,
    floor,
    group_commit,
    in_process,
    learners,
    limits,
    memory,
    scale,
    throughput,
)

ORDER = (engines, floor, throughput, limits, access, group_commit, in_process, scale, learners, memory, fitting)


def name(module):
    return module.__name__.rsplit(".", 1)[1]

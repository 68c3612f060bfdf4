"""Measurements compared within a round: a throughput between two measurements of the
floor, and servers up at once measured in turn, so that a burst of load from the
machine's other guests spoils one round's pair, not one side."""

import statistics

from bench.measure.servers import cpu_seconds


def against_floor(run, server, runs, rounds=1):
    """Each (name, url, script) measured between two floor runs, the whole sequence
    rounds times; returns ({name: median ratio to the mean of its two floors},
    {name: median req/s}, [every floor's req/s])."""
    ratios, measured, floors = {}, {}, []
    for _ in range(rounds):
        floors.append(run.wrk(f"{server.url}/api/health", run.seconds)["rps"])
        for name, url, script in runs:
            rps = run.wrk(url, run.seconds, script=script)["rps"]
            floors.append(run.wrk(f"{server.url}/api/health", run.seconds)["rps"])
            measured.setdefault(name, []).append(rps)
            ratios.setdefault(name, []).append(rps / ((floors[-2] + floors[-1]) / 2))
    median = {name: statistics.median(values) for name, values in ratios.items()}
    return median, {name: statistics.median(values) for name, values in measured.items()}, floors


def side_by_side(run, targets, endpoints, seconds, connections=4):
    """Each endpoint on each server, every server up at once and measured in turn,
    endpoint by endpoint, the order of the servers reversed each round; returns
    {key: {endpoint: [each round's measurement]}}, each wrk's p50_ms and rps and cpu_us,
    the serving processes' CPU time per request (the database server's too). Compare two
    servers with paired(). targets is {key: (database, server settings)}; endpoints(key)
    gives {name: (path, wrk script or None)}."""
    servers = {}
    try:
        for key, (path, settings) in targets.items():
            servers[key] = run.server(path, **settings)
        values = {key: {} for key in targets}
        order = list(targets)
        for round_ in range(run.rounds):
            for name in endpoints(order[0]):
                for key in order if round_ % 2 == 0 else order[::-1]:
                    path, script = endpoints(key)[name]
                    pids = servers[key].cpu_pids()
                    before = cpu_seconds(pids)
                    measured = run.wrk(f"{servers[key].url}{path}", seconds, connections=connections, script=script)
                    measured["cpu_us"] = (cpu_seconds(pids) - before) * 1e6 / max(1, measured["requests"])
                    values[key].setdefault(name, []).append(measured)
        return values
    finally:
        for server in servers.values():
            server.stop()


def paired(numerator, denominator, field):
    """For each endpoint of two servers' side_by_side measurements, the median over the
    rounds of the ratio of the field in the same round."""
    return {
        name: statistics.median(a[field] / b[field] for a, b in zip(runs, denominator[name], strict=True))
        for name, runs in numerator.items()
    }


def medians(measured, fields=("p50_ms", "cpu_us")):
    """A server's side_by_side measurements as {endpoint_field: median over the rounds}."""
    return {
        f"{name}_{field}": statistics.median(m[field] for m in runs)
        for name, runs in measured.items()
        for field in fields
    }

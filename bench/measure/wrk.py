"""wrk, the load generator, run from its own process; its scripts; and the errors it saw."""

import re
import subprocess
from pathlib import Path

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}

REVIEW_LUA = """
local words = %(words)d
local sessions = %(sessions)d
request = function()
  local body = string.format('{"word_id": %%d, "correct": %%s}', math.random(1, words),
                             math.random() < 0.7 and "true" or "false")
  return wrk.format("POST", "/study_sessions/" .. math.random(1, sessions) .. "/review",
                    {["Content-Type"] = "application/json"}, body)
end
"""

WORD_LUA = """
local words = %(words)d
request = function()
  return wrk.format("GET", "/api/words/" .. math.random(1, words))
end
"""

MIXED_LUA = """
local words = %(words)d
local sessions = %(sessions)d
local paths = {"/api/words", "/api/dashboard/stats", "/api/study_sessions", "/api/groups/1/words"}
request = function()
  if math.random() < 0.5 then
    local body = string.format('{"word_id": %%d, "correct": true}', math.random(1, words))
    return wrk.format("POST", "/study_sessions/" .. math.random(1, sessions) .. "/review",
                      {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", paths[math.random(1, #paths)])
end
"""


def script(workdir, name, template, **values):
    """A wrk script written into workdir from a template; its path."""
    path = Path(workdir) / f"{name}.lua"
    path.write_text(template % values)
    return path


class Wrk:
    """Runs wrk and keeps the count of errors (non-2xx answers, socket errors) of every run."""

    def __init__(self):
        self.errors = 0

    def __call__(self, url, seconds, connections=16, script=None):
        """{rps, requests, p50_ms, p99_ms} of one run."""
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
        if script:
            command += ["-s", str(script)]
        done = subprocess.run([*command, url], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"wrk failed on {url} (exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}"
            )
        out = done.stdout

        def latency(pct):
            value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
            return float(value) * UNITS[unit]

        answers = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        self.errors += (int(answers.group(1)) if answers else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
        return {
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "p50_ms": latency(50),
            "p99_ms": latency(99),
        }

"""CORS in a real browser: headless Chromium loads a page from an allowed origin and from
one that is not, and the page reports what its fetches to the API could read."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from harness.servers import free_port, running_server

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

PAGE = """<!doctype html><meta charset="utf-8"><title>CORS probe</title>
<script>
const api = "API";
async function probe(name, path, init) {
  try {
    const response = await fetch(api + path, init);
    return {name, read: true, status: response.status, body: await response.json()};
  } catch (e) {
    return {name, read: false, error: String(e)};
  }
}
const json = (body) => ({method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
(async () => {
  const results = [
    await probe("get", "/api/words/1"),
    await probe("post", "/study_sessions", json({group_id: 1, study_activity_id: 1})),
    await probe("error", "/study_sessions/999999/review", json({word_id: 1, correct: true})),
  ];
  await fetch("/results", {method: "POST", body: JSON.stringify(results)});
})();
</script>"""


class PageServer:
    """Serves the probe page at / and collects the page's report at POST /results."""

    def __init__(self, port, api_url, page=PAGE):
        self.reported = threading.Event()
        self.results = None
        page = page.replace("API", api_url).encode()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def do_POST(self):
                outer.results = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self.send_response(204)
                self.end_headers()
                outer.reported.set()

            def log_message(self, *args):
                pass

        self.origin = f"http://127.0.0.1:{port}"
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def open_in_chromium(page, profile, timeout=60):
    """Load the page in headless Chromium until it reports; returns {probe name: result}."""
    browser = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", page.origin + "/"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so the browser and all its child processes stop together
    )
    try:
        assert page.reported.wait(timeout), "the page never reported its results"
    finally:
        os.killpg(browser.pid, signal.SIGKILL)
        browser.wait()
    return {result["name"]: result for result in page.results}


def total_sessions(api_url):
    return requests.get(f"{api_url}/api/study_sessions").json()["total"]


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)")
def test_browser_reads_answers_only_from_allowed_origins(tmp_path, database):
    allowed_port, other_port = free_port(), free_port()
    env = {"LANG_PORTAL_CORS_ORIGINS": f"http://127.0.0.1:{allowed_port}"}
    with running_server([sys.executable, "app.py"], database, env=env) as (api_url, _):
        allowed, other = PageServer(allowed_port, api_url), PageServer(other_port, api_url)
        try:
            from_allowed = open_in_chromium(allowed, tmp_path / "profile-allowed")
            before = total_sessions(api_url)
            from_other = open_in_chromium(other, tmp_path / "profile-other")
            after = total_sessions(api_url)
        finally:
            allowed.close()
            other.close()

    assert from_allowed["get"]["read"] and from_allowed["get"]["body"]["word"]["id"] == 1
    assert from_allowed["post"]["read"] and from_allowed["post"]["status"] == 200
    assert from_allowed["post"]["body"]["session_id"] >= 1
    assert from_allowed["error"]["read"] and from_allowed["error"]["status"] == 404
    assert "not found" in from_allowed["error"]["body"]["error"]
    for name in ("get", "post", "error"):
        assert not from_other[name]["read"], from_other[name]
    # The refused preflight kept the cross-origin POST from being sent at all.
    assert after == before


DESTRUCTIVE = ["/api/full_reset", "/api/reset_history", "/api/study_sessions/reset", "/reset-history", "/full-reset"]

# A page on a site the learner visits: forms (in hidden frames) and no-cors fetches, the
# kinds of cross-site request a browser sends without asking the API first.
FORMS_PAGE = """<!doctype html><meta charset="utf-8"><title>A site the learner visits</title>
<body><script>
const api = "API";
const paths = PATHS;
const frames = [];
for (const [i, path] of paths.entries()) {
  for (const enctype of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]) {
    const name = "f" + i + enctype.length;
    const frame = document.createElement("iframe");
    frame.name = name;
    document.body.appendChild(frame);
    frames.push(new Promise((resolve) => frame.addEventListener("load", resolve)));
    const form = document.createElement("form");
    form.method = "POST"; form.action = api + path; form.enctype = enctype; form.target = name;
    const input = document.createElement("input");
    input.name = "confirm"; input.value = "reset me";
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  }
}
const fetches = paths.map((path) => fetch(api + path, {method: "POST", mode: "no-cors", body: "{}",
  headers: {"Content-Type": "text/plain"}}).then(() => "sent", (e) => String(e)));
(async () => {
  const results = [{name: "fetches", value: await Promise.all(fetches)}];
  await Promise.race([Promise.all(frames), new Promise((r) => setTimeout(r, 5000))]);
  await fetch("/results", {method: "POST", body: JSON.stringify(results)});
})();
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)")
def test_a_foreign_page_cannot_wipe_the_history(tmp_path, database):
    """Every cross-site form or no-cors POST to a reset reaches the API and is refused (415):
    only a JSON POST resets, and a browser sends that only after a CORS preflight."""
    log = tmp_path / "server.log"
    with running_server([sys.executable, "app.py"], database, log=log) as (api_url, _):
        session = requests.post(f"{api_url}/study_sessions", json={"group_id": 1, "study_activity_id": 1}).json()
        requests.post(f"{api_url}/study_sessions/{session['id']}/review", json={"word_id": 1, "correct": True})
        page = PageServer(free_port(), api_url, FORMS_PAGE.replace("PATHS", json.dumps(DESTRUCTIVE)))
        try:
            results = open_in_chromium(page, tmp_path / "profile")
        finally:
            page.close()
        assert total_sessions(api_url) == 1
        assert requests.get(f"{api_url}/api/words/1").json()["word"]["correct_count"] == 1
    assert results["fetches"]["value"] == ["sent"] * len(DESTRUCTIVE)
    refused = re.sub(r"\x1b\[[0-9;]*m", "", log.read_text())  # the dev server colours its log
    for path in DESTRUCTIVE:
        # Three forms and one fetch per endpoint reached the server, and each was a 415.
        assert refused.count(f'"POST {path} HTTP/1.1" 415') == 4, path

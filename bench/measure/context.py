"""One run of the benchmark: its settings, its databases and its wrk, handed to every
experiment (nothing of a run is kept in module state)."""

from dataclasses import dataclass, field
from pathlib import Path

from bench.measure.servers import Server
from bench.measure.wrk import REVIEW_LUA, Wrk, script
from harness import history

BASE_SIZE = (1000, 1000)  # words, answers of the database most experiments share


@dataclass
class Run:
    quick: bool
    workdir: Path
    store: object  # bench.measure.stores: where the databases are made
    wrk: Wrk = field(default_factory=Wrk)
    base_db: str = ""
    sessions: int = 0
    review_lua: Path = None

    def __post_init__(self):
        self.seconds = 2 if self.quick else 5  # per throughput measurement
        self.scale_seconds = 1 if self.quick else 4  # per in-process and memory measurement
        self.side_seconds = 1 if self.quick else 2  # per measurement of side_by_side
        self.rounds = 3 if self.quick else 5  # of side_by_side

    def prepare(self):
        """The shared database and the review script."""
        self.base_db = self.store.new("base")
        history.generate(self.base_db, *BASE_SIZE)
        self.sessions = max(history.MIN_SESSIONS, BASE_SIZE[1] // history.REVIEWS_PER_SESSION)
        self.review_lua = script(self.workdir, "review", REVIEW_LUA, words=BASE_SIZE[0], sessions=self.sessions)

    def server(self, path, **settings):
        """A server on path with settings (environment variables, or bare=True), started."""
        return Server(path, self.wrk, self.store.server_pids, **settings)

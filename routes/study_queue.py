"""What to study next: a learner's due words, least likely to be recalled first, then new words."""

from flask import Blueprint

from lib.db import get_db
from lib.domain import groups, study_queue
from lib.web import query
from lib.web.access import LEARNER_IN_QUERY, allow
from lib.web.jsonio import word

bp = Blueprint("study_queue", __name__, url_prefix="/api/study_queue")


@bp.get("")
@allow(LEARNER_IN_QUERY)
def show_study_queue():
    learner = query.learner()
    group_id = query.int_arg("group_id", None)  # narrows the queue to a group; every word without it
    if group_id is not None:
        groups.get(get_db(), group_id)
    limit = query.int_arg("limit", study_queue.DEFAULT_LIMIT, study_queue.MAX_LIMIT)
    items = [
        {
            "word": word(row),
            "due": shown["due"] if shown else None,
            "retrievability": shown["retrievability"] if shown else None,
            "state": shown["state"] if shown else "new",
        }
        for row, shown in study_queue.queue(get_db(), learner, group_id, limit)
    ]
    due, new = study_queue.counts(get_db(), learner, group_id)
    return {"items": items, "due_count": due, "new_count": new}

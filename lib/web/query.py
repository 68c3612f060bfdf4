"""The query string: positive integers, the page and its size, the sort key and order, a
choice among fixed values, a time, and the learner a read is for; anything else is a 400
that says what is allowed."""

import math
from datetime import UTC, datetime

from flask import g, request
from werkzeug.exceptions import BadRequest

from lib.db import get_db
from lib.domain import MAX_ID, clock, learners
from lib.domain.lists import Sort
from lib.web import access
from lib.web.fields import brief

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000_000


def int_arg(name, default, maximum=MAX_ID):
    """A positive integer query parameter (default when absent), or a 400. Without a
    maximum of its own, it must fit a database id (64 bits)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    # The length first: int() of thousands of digits is slow, then refused (ValueError).
    if len(raw) > 19 or not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"Query parameter {name} must be a positive integer, not {brief(raw)}.")
    value = int(raw)
    if value > maximum:
        raise BadRequest(f"Query parameter {name} must be at most {maximum}, not {value}.")
    return value


class Page:
    """The page and per_page of a request, and the LIMIT/OFFSET they mean. Each list has
    its own default page size (the portal sends none and was designed around these)."""

    def __init__(self, default_per_page=DEFAULT_PER_PAGE):
        self.number = int_arg("page", 1, MAX_PAGE)
        self.per_page = int_arg("per_page", default_per_page, MAX_PER_PAGE)
        self.offset = (self.number - 1) * self.per_page

    def total_pages(self, total):
        return max(1, math.ceil(total / self.per_page))

    def of(self, items, total, key="items"):
        """The list's answer: {items (under key), total, page, per_page, total_pages}."""
        return {
            key: items,
            "total": total,
            "page": self.number,
            "per_page": self.per_page,
            "total_pages": self.total_pages(total),
        }


def sort(sort_keys, default_key, default_order):
    """The Sort that sort_by and order ask for, checked against sort_keys; anything else is
    a 400 naming what is allowed."""
    key = request.args.get("sort_by", default_key)
    if key not in sort_keys:
        allowed = ", ".join(sort_keys)
        raise BadRequest(f"Cannot sort by {brief(key)}; sort_by must be one of: {allowed}.")
    order = request.args.get("order", default_order).lower()
    if order not in ("asc", "desc"):
        raise BadRequest(f"Query parameter order must be asc or desc, not {brief(order)}.")
    return Sort(key, order.upper())


def choice(name, allowed, default):
    """A query parameter that must be one of allowed (default when absent)."""
    value = request.args.get(name, default)
    if value not in allowed:
        raise BadRequest(f"Query parameter {name} must be one of {', '.join(allowed)}, not {brief(value)}.")
    return value


def since():
    """?since= as a stored timestamp ("" when absent): an RFC 3339 time with its offset."""
    raw = request.args.get("since")
    if raw is None:
        return ""
    try:
        moment = datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))  # RFC 3339 allows t and z
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadRequest(f"Query parameter since must be an RFC 3339 time with its offset, not {brief(raw)}.")
    return moment.astimezone(UTC).strftime(clock.TIMESTAMP)


def learner():
    """The learner a read is for: ?learner_id=, else the signed-in learner's own, else
    learner 1; read once per request (lib/web/access.py checks who may see it)."""
    if "learner" not in g:
        raw = request.args.get("learner_id")
        if raw is None:
            learner_id = access.default_learner_id()
        elif len(raw) <= 19 and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID:
            learner_id = int(raw)
        else:
            raise BadRequest(f"Query parameter learner_id must be a positive integer id, not {brief(raw)}.")
        g.learner = learners.get(get_db(), learner_id)
    return g.learner

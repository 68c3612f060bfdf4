"""Paging and sorting for list endpoints: checked query parameters, SQL from fixed fragments."""

import math

from flask import request
from werkzeug.exceptions import BadRequest

from lib.validation import MAX_ID, brief

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


def sort_choice(sort_keys, default_key, default_order):
    """(key, "ASC" or "DESC") from sort_by and order, checked against sort_keys; anything
    else is a 400 naming what is allowed."""
    key = request.args.get("sort_by", default_key)
    if key not in sort_keys:
        allowed = ", ".join(sort_keys)
        raise BadRequest(f"Cannot sort by {brief(key)}; sort_by must be one of: {allowed}.")
    order = request.args.get("order", default_order).lower()
    if order not in ("asc", "desc"):
        raise BadRequest(f"Query parameter order must be asc or desc, not {brief(order)}.")
    return key, order.upper()


def order_by(sort_keys, default_key, default_order, tiebreak):
    """The ORDER BY clause for sort_by/order: sort_keys maps each accepted key to a SQL
    expression written in code; ties are broken by tiebreak in the same direction."""
    key, direction = sort_choice(sort_keys, default_key, default_order)
    return f"ORDER BY {sort_keys[key]} {direction}, {tiebreak} {direction}"

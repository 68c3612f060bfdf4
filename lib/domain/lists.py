"""Lists read a page at a time, in an order chosen by a sort key: each list maps its keys to
SQL written in code (a request's key is checked against them before a query is made)."""

from typing import NamedTuple


class Sort(NamedTuple):
    key: str  # one of the list's sort keys
    direction: str  # "ASC" or "DESC"


def order_by(sort_keys, sort, tiebreak):
    """The ORDER BY clause for sort; ties are broken by tiebreak in the same direction."""
    return f"ORDER BY {sort_keys[sort.key]} {sort.direction}, {tiebreak} {sort.direction}"

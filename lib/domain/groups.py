"""Groups of words."""

from lib.domain.errors import NotFound
from lib.domain.lists import order_by

GROUP_SELECT = "SELECT g.id, g.name AS group_name, g.words_count AS word_count FROM groups AS g"
SORT_KEYS = {
    "name": "g.name",
    "group_name": "g.name",
    "word_count": "g.words_count",
    "words_count": "g.words_count",
}


def get(conn, group_id):
    """The group as {id, group_name, word_count}, or NotFound."""
    group = conn.row(f"{GROUP_SELECT} WHERE g.id = ?", (group_id,))
    if group is None:
        raise NotFound(f"Group {group_id} not found.")
    return group


def page(conn, sort, offset, limit):
    """(a page of the groups in the order sort gives, ties by id; how many there are)."""
    rows = conn.rows(f"{GROUP_SELECT} {order_by(SORT_KEYS, sort, tiebreak='g.id')} LIMIT ? OFFSET ?", (limit, offset))
    return rows, conn.scalar("SELECT count(*) FROM groups")


def names(conn):
    """Every group's {id, name}, by name."""
    return conn.rows("SELECT id, name FROM groups ORDER BY name, id")

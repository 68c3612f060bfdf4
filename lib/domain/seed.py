"""The seed (seed/: the vocabulary and the study activities, read by lib/files/seed.py), and
a database's start: the schema brought up to date, then an empty database seeded."""

from lib import schema
from lib.domain import memory, vocabulary


def load(conn, seed_data):
    """Insert the seed's groups, words and activities, seed_data ({group name: [word, ...]},
    [activity, ...]), inside the caller's transaction; returns how many words were new.
    Loading it twice changes nothing."""
    groups, activities = seed_data
    added = sum(vocabulary.add_words(conn, name, words)[1] for name, words in groups.items())
    for activity in activities:
        values = {key: activity.get(key) for key in ("name", "url", "preview_url", "description")}
        vocabulary.find_or_insert(
            conn,
            "SELECT id FROM study_activities WHERE name = :name",
            """
            INSERT INTO study_activities (name, url, preview_url, description)
            VALUES (:name, :url, :preview_url, :description)
            """,
            values,
        )
        conn.execute(
            "UPDATE study_activities SET url = :url, preview_url = :preview_url, description = :description "
            "WHERE name = :name",
            values,
        )
    return added


def prepare(conn, seed_data, before_migration=None):
    """Bring the schema up to date (and the memory states it adds), and seed an empty
    database, each step in transactions of its own; servers starting together take turns
    (the engine's setup lock). before_migration: schema.migrate's before."""
    with conn.engine.setup_lock(conn):
        schema.migrate(conn, before=before_migration)
        memory.rebuild_missing(conn)
        if conn.scalar("SELECT count(*) FROM words") == 0:
            with conn.transaction():
                load(conn, seed_data)

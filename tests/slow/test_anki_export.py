"""The Anki deck of a group, opened as Anki would: a zip holding an SQLite collection."""

import io
import json
import sqlite3
import zipfile

import genanki
import pytest

from lib.files.anki import stable_id

pytestmark = pytest.mark.slow


def open_package(data, tmp_path):
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == {"collection.anki2", "media"}
    path = tmp_path / "collection.anki2"
    path.write_bytes(archive.read("collection.anki2"))
    return sqlite3.connect(path)


def test_a_groups_deck_has_a_note_per_word_with_stable_ids(client, conn, tmp_path):
    response = client.get("/api/groups/2/export.apkg")
    assert response.status_code == 200 and response.mimetype == "application/apkg"
    data = response.get_data()
    collection = open_package(data, tmp_path)
    words = conn.execute(
        "SELECT w.id, w.kanji, w.romaji, w.english FROM words AS w JOIN word_groups AS wg ON wg.word_id = w.id "
        "WHERE wg.group_id = 2 ORDER BY w.id"
    ).fetchall()
    notes = collection.execute("SELECT guid, mid, flds FROM notes ORDER BY id").fetchall()
    assert [(guid, fields.split("\x1f")) for guid, _, fields in notes] == [
        (genanki.guid_for("lang-portal word", w["id"]), [w["kanji"], w["romaji"], w["english"]]) for w in words
    ]
    assert {mid for _, mid, _ in notes} == {stable_id("model", 2)}
    models = json.loads(collection.execute("SELECT models FROM col").fetchone()[0])
    model = models[str(stable_id("model", 2))]
    assert [field["name"] for field in model["flds"]] == ["Japanese", "Reading", "English"]
    decks = json.loads(collection.execute("SELECT decks FROM col").fetchone()[0])
    assert decks[str(stable_id("deck", 2))]["name"] == "lang-portal::Verbs"
    assert collection.execute("SELECT count(*) FROM cards").fetchone()[0] == len(words)
    collection.close()

    # The same words give the same bytes; a new word adds a note and changes no other.
    assert client.get("/api/groups/2/export.apkg").get_data() == data
    conn.execute("INSERT INTO words (kanji, romaji, english) VALUES ('踊る', 'odoru', 'to dance')")
    conn.execute("INSERT INTO word_groups (word_id, group_id) SELECT id, 2 FROM words WHERE romaji = 'odoru'")
    newer = open_package(client.get("/api/groups/2/export.apkg").get_data(), tmp_path / "..")
    guids = [row[0] for row in newer.execute("SELECT guid FROM notes ORDER BY id")]
    assert guids[:-1] == [guid for guid, _, _ in notes] and len(guids) == len(notes) + 1
    newer.close()


def test_another_groups_deck_has_ids_of_its_own(client):
    assert stable_id("deck", 1) != stable_id("deck", 2) and stable_id("model", 1) != stable_id("model", 2)
    assert client.get("/api/groups/99/export.apkg").status_code == 404

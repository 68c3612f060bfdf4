"""Anki decks (.apkg), built with genanki: one note per word (fields Japanese, Reading,
English). The deck's and the note type's ids are fixed per group and each note's guid is
made from the word's id, so importing a newer export adds the new words and duplicates
none; the same words give the same bytes."""

import hashlib
import io
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import genanki

ANKI_TIMESTAMP = 1_767_225_600  # 2026-01-01: fixed, so that the same words give the same bytes
ANKI_CSS = ".card { font-family: sans-serif; font-size: 28px; text-align: center; }"


def stable_id(kind, group_id):
    """A 63-bit id for the group's deck or note type, the same on every export."""
    digest = hashlib.sha256(f"lang-portal {kind} {group_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 2 | 1 << 40


def package(group_id, group_name, words):
    """The .apkg bytes of a group's words, rows {id, kanji, romaji, english}."""
    model = genanki.Model(
        stable_id("model", group_id),
        f"lang-portal word ({group_name})",
        fields=[{"name": "Japanese"}, {"name": "Reading"}, {"name": "English"}],
        templates=[
            {
                "name": "Recognise",
                "qfmt": "{{Japanese}}",
                "afmt": '{{FrontSide}}<hr id="answer">{{Reading}}<br>{{English}}',
            }
        ],
        css=ANKI_CSS,
    )
    deck = genanki.Deck(stable_id("deck", group_id), f"lang-portal::{group_name}")
    for word in words:
        deck.add_note(
            genanki.Note(
                model=model,
                fields=[word["kanji"], word["romaji"], word["english"]],
                guid=genanki.guid_for("lang-portal word", word["id"]),
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        collection = Path(tmp) / "collection.anki2"
        conn = sqlite3.connect(collection)
        genanki.Package(deck).write_to_db(conn.cursor(), ANKI_TIMESTAMP, iter(range(ANKI_TIMESTAMP * 1000, 2**62)))
        conn.commit()
        conn.close()
        archive_bytes = io.BytesIO()
        with zipfile.ZipFile(archive_bytes, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in (("collection.anki2", collection.read_bytes()), ("media", b"{}")):
                entry = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(entry, data)
    return archive_bytes.getvalue()

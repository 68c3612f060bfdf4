"""flask import-words: streamed, checked row by row, all or nothing, every problem named by line."""

import json
import os

import pytest

from lib.domain import vocabulary
from lib.files import words as word_files
from tests.helpers import SEED_WORDS, count, snapshot


def run_import(runner, path, group="Imported"):
    return runner.invoke(args=["import-words", str(path), *(["--group", group] if group else [])])


def words_of(conn, group):
    return conn.execute(
        "SELECT w.kanji, w.romaji, w.english, w.parts FROM words AS w "
        "JOIN word_groups AS wg ON wg.word_id = w.id JOIN groups AS g ON g.id = wg.group_id "
        "WHERE g.name = ? ORDER BY w.id",
        (group,),
    ).fetchall()


def test_csv_fields_with_line_breaks_are_kept_exactly(runner, conn, tmp_path):
    path = tmp_path / "multi.csv"
    path.write_bytes('kanji,romaji,english\r\n猫,neko,"cat\nthe animal"\r\n犬,inu,"dog\r\nthe animal"\r\n'.encode())
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert [(w["kanji"], w["english"]) for w in words_of(conn, "Imported")] == [
        ("猫", "cat\nthe animal"),
        ("犬", "dog\r\nthe animal"),
    ]


def test_csv_parts_column_is_read(runner, conn, tmp_path):
    path = tmp_path / "parts.csv"
    parts = json.dumps([{"kanji": "猫", "romaji": ["ne", "ko"]}], ensure_ascii=False)
    path.write_text(
        f'kanji,romaji,english,parts\n猫,neko,cat,"{parts.replace(chr(34), chr(34) * 2)}"\n', encoding="utf-8"
    )
    assert run_import(runner, path).exit_code == 0
    assert json.loads(words_of(conn, "Imported")[0]["parts"]) == [{"kanji": "猫", "romaji": ["ne", "ko"]}]


def test_a_byte_order_mark_is_skipped(runner, conn, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "kanji,romaji,english\n猫,neko,cat\n".encode())
    assert run_import(runner, path).exit_code == 0
    assert len(words_of(conn, "Imported")) == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "nul.csv",
            "kanji,romaji,english\n猫,neko,cat\n犬,inu,do\x00g\n",
            "line 3: the word english has the control character U+0000",
        ),
        (
            "esc.csv",
            "kanji,romaji,english\n猫,ne\x1bko,cat\n",
            "line 2: the word romaji has the control character U+001B",
        ),
        (
            "latin1.csv",
            "kanji,romaji,english\n猫,neko,cat\ncafé,kafe,café\n".encode("latin-1", "replace"),
            "line 3: byte",
        ),
        ("latin1.json", '[\n{"kanji": "a", "romaji": "a", "english": "\xe9"}\n]'.encode("latin-1"), "line 2: byte"),
        (
            "parts.csv",
            'kanji,romaji,english,parts\n猫,neko,cat,[]\n犬,inu,dog,"{""kanji"": 1}"\n',
            "line 3: the word parts",
        ),
        ("parts-json.csv", "kanji,romaji,english,parts\n猫,neko,cat,[oops\n", "line 2: parts is not valid JSON"),
        (
            "parts-deep.csv",
            f"kanji,romaji,english,parts\n猫,neko,cat,{'[' * 100_000}\n",
            "line 2: parts is not valid JSON",
        ),
        *(
            (f"groups-{n}.csv", f'kanji,romaji,english,groups\n猫,neko,cat,[]\n犬,inu,dog,"{cell}"\n', f"line 3: {why}")
            for n, (cell, why) in enumerate(
                [
                    ("[oops", "groups is not valid JSON"),
                    ("", "groups is empty (a word in no group has [])"),
                    ("[" * 100_000, "groups is not valid JSON"),
                    ("[NaN]", "groups is not valid JSON"),
                    ('""Verbs""', "groups must be a JSON list of group names"),
                    ('{""Verbs"": 1}', "groups must be a JSON list of group names"),
                    ('[""Verbs"", 1]', "groups must be a JSON list of group names"),
                    ('[""Verbs"", null]', "groups must be a JSON list of group names"),
                    ('[""""]', "groups must be a JSON list of group names"),
                    ('["" \\t""]', "groups must be a JSON list of group names"),
                    ('[""a\\u0000""]', "groups has the control character U+0000"),
                    ('[""\\ud800""]', "groups has a lone surrogate"),
                ]
            )
        ),
        (
            "unknown.csv",
            "kanji,romaji,english,colour\n猫,neko,cat,black\n",
            "columns this import does not know: colour",
        ),
        ("short.csv", "kanji,romaji,english\n猫,neko\n", "line 2: the row has fewer fields"),
        ("long.csv", "kanji,romaji,english\n猫,neko,cat,extra\n", "line 2: the row has more fields"),
        ("quote.csv", 'kanji,romaji,english\n猫,neko,"cat\n', "line 2"),
        (
            "parts.json",
            '{"group": "x", "words": [\n  {"kanji": "a", "romaji": "a", "english": "a"},\n  {"kanji": "b", "romaji": "b", "english": "b", "parts": [{"kanji": 1}]}\n]}',
            "word 1 (line 3): the word parts",
        ),
        (
            "surrogate.json",
            '[{"kanji": "\\ud800", "romaji": "a", "english": "a"}]',
            "word 0 (line 1): the word kanji has a lone surrogate",
        ),
        (
            "broken.json",
            '[\n  {"kanji": "a", "romaji": "a", "english": "a"},\n  {"kanji": "b" "romaji": "b"}\n]',
            "line 3: not valid JSON",
        ),
        ("nowords.json", '{"group": "x"}', "no words list"),
        ("scalar.json", "42", "expected a list of words"),
        (
            "unknown.json",
            '[{"kanji": "a", "romaji": "a", "english": "a", "colour": "red"}]',
            "fields this import does not know: colour",
        ),
    ],
)
def test_a_bad_file_names_its_line_and_writes_nothing(runner, conn, tmp_path, name, content, message):
    before = snapshot(conn)
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported." in result.output
    assert "Traceback" not in result.output
    assert snapshot(conn) == before


def test_a_json_file_is_read_in_pieces_across_buffer_boundaries(runner, conn, tmp_path, monkeypatch):
    monkeypatch.setattr(word_files, "READ_SIZE", 37)  # a word spans several reads
    words = [{"kanji": f"語{i}", "romaji": f"go{i}", "english": f"word {i}\nline two", "parts": []} for i in range(300)]
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"group": "Many", "words": words}, ensure_ascii=False, indent=2), encoding="utf-8")
    result = run_import(runner, path, group="Many")
    assert result.exit_code == 0, result.output
    assert "Imported 300 words into 'Many' (300 new)" in result.output
    assert [w["english"] for w in words_of(conn, "Many")] == [w["english"] for w in words]


def test_a_bad_word_late_in_a_big_file_leaves_nothing(runner, conn, tmp_path, monkeypatch):
    monkeypatch.setattr(word_files, "READ_SIZE", 100)
    rows = "".join(f"語{i},go{i},word {i}\n" for i in range(2000))
    path = tmp_path / "late.csv"
    path.write_text(f"kanji,romaji,english\n{rows}壊,,broken\n", encoding="utf-8")
    result = run_import(runner, path)
    assert "line 2002: the word romaji is missing or empty" in result.output
    assert count(conn, "words") == SEED_WORDS and count(conn, "groups") == 2


# --- the groups column (what GET /api/words/export.csv writes) ---------------------------------


def groups_of(conn, romaji):
    """The names of the groups of the word with this romaji, sorted."""
    return sorted(
        r["name"]
        for r in conn.rows(
            "SELECT g.name FROM words AS w JOIN word_groups AS wg ON wg.word_id = w.id "
            "JOIN groups AS g ON g.id = wg.group_id WHERE w.romaji = ?",
            (romaji,),
        )
    )


def write_csv(tmp_path, text, name="groups.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_groups_column_puts_each_word_in_its_groups_without_group(runner, conn, tmp_path):
    path = write_csv(
        tmp_path,
        "kanji,romaji,english,groups\n"
        '猫,neko,cat,"[""Animals"", ""Verbs""]"\n'
        '犬,inu,dog,"[""Animals""]"\n'
        "石,ishi,stone,[]\n"
        '食べる,taberu,to eat,"[""Verbs"", ""Verbs""]"\n',
    )
    result = run_import(runner, path, group=None)
    assert result.exit_code == 0, result.output
    assert "Imported 4 words into the file's groups (3 new)" in result.output
    assert groups_of(conn, "neko") == ["Animals", "Verbs"]  # Animals made, Verbs the seed's
    assert groups_of(conn, "inu") == ["Animals"]
    assert groups_of(conn, "ishi") == [] and conn.scalar("SELECT count(*) FROM words WHERE romaji = 'ishi'") == 1
    assert groups_of(conn, "taberu") == ["Verbs"]  # the seed's word, already there
    assert count(conn, "groups") == 3
    assert conn.scalar("SELECT words_count FROM groups WHERE name = 'Animals'") == 2


def test_with_group_too_each_word_goes_in_its_groups_and_in_that_one(runner, conn, tmp_path):
    path = write_csv(tmp_path, 'kanji,romaji,english,groups\n猫,neko,cat,"[""Animals""]"\n石,ishi,stone,[]\n')
    result = run_import(runner, path, group="Lesson 1")
    assert result.exit_code == 0, result.output
    assert "Imported 2 words into 'Lesson 1' and the file's groups (2 new)" in result.output
    assert groups_of(conn, "neko") == ["Animals", "Lesson 1"]
    assert groups_of(conn, "ishi") == ["Lesson 1"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plain.csv", "kanji,romaji,english\n猫,neko,cat\n"),
        ("words.json", '[{"kanji": "猫", "romaji": "neko", "english": "cat"}]'),
    ],
)
def test_without_a_groups_column_or_group_nothing_is_imported(runner, app, conn, tmp_path, name, content):
    before = snapshot(conn)
    result = run_import(runner, write_csv(tmp_path, content, name), group=None)
    assert result.exit_code == 2
    assert "has no groups column: name the group to import into with --group NAME" in result.output
    assert "Nothing was imported." in result.output and "Traceback" not in result.output
    assert snapshot(conn) == before
    assert not os.path.exists(app.config["BACKUP_DIR"])  # refused before the backup, too


@pytest.mark.parametrize(
    ("group", "message"), [("", "is blank"), ("  ", "is blank"), ("a\x07b", "has the control character U+0007")]
)
def test_a_blank_or_unprintable_group_name_is_refused_before_anything(runner, app, conn, tmp_path, group, message):
    # A group named "" would export as [""], which no import reads back.
    before = snapshot(conn)
    result = runner.invoke(
        args=["import-words", str(write_csv(tmp_path, "kanji,romaji,english\n猫,neko,cat\n")), "--group", group]
    )
    assert result.exit_code == 2 and f"--group: the group's name {message}" in result.output, result.output
    assert snapshot(conn) == before
    assert not os.path.exists(app.config["BACKUP_DIR"])


def test_a_bad_header_is_named_before_anything_when_group_is_missing(runner, conn, tmp_path):
    before = snapshot(conn)
    path = tmp_path / "latin1.csv"
    path.write_bytes("kanji,romaji,english,café\n".encode("latin-1"))
    result = run_import(runner, path, group=None)
    assert result.exit_code == 1
    assert "line 1: byte" in result.output and "Nothing was imported." in result.output
    assert snapshot(conn) == before


def test_words_in_many_groups_are_linked_in_statements_of_bounded_size(runner, conn, tmp_path, monkeypatch):
    monkeypatch.setattr(vocabulary, "LINKS_PER_STATEMENT", 7)  # 3 words in 5 groups: 15 links, 3 statements
    names = json.dumps([f"G{n}" for n in range(5)]).replace('"', '""')
    path = write_csv(
        tmp_path, "kanji,romaji,english,groups\n" + "".join(f'語{n},go{n},w{n},"{names}"\n' for n in range(3))
    )
    result = run_import(runner, path, group=None)
    assert result.exit_code == 0, result.output
    assert [groups_of(conn, f"go{n}") for n in range(3)] == [[f"G{n}" for n in range(5)]] * 3

"""The real seed vocabulary: playable by the typing tutor, and correct in its own terms."""

import json
from pathlib import Path

import pytest

from lib.files import seed as seed_files

AUDIO = json.loads((Path(__file__).resolve().parent / "data" / "typing-tutor-audio.json").read_text(encoding="utf-8"))
GROUPS, ACTIVITIES = seed_files.read()
WORDS = [(group, word) for group, words in GROUPS.items() for word in words]
IDS = [f"{group}: {word['kanji']} {word['romaji']}" for group, word in WORDS]


def test_the_seed_has_the_two_core_groups_of_about_sixty_words():
    assert set(GROUPS) == {"Core Verbs", "Core Adjectives"}
    assert all(len(words) >= 55 for words in GROUPS.values())


@pytest.mark.parametrize(("group", "word"), WORDS, ids=IDS)
def test_every_seeded_word_has_the_typing_tutors_audio(group, word):
    assert word["romaji"] in AUDIO["jp"], f"no audio/jp/{word['romaji']}.mp3"
    english_key = word["english"].replace(" ", "_")
    assert english_key in AUDIO["en"], f"no audio/en/{english_key}.mp3"


@pytest.mark.parametrize(("group", "word"), WORDS, ids=IDS)
def test_parts_spell_the_word_and_its_romaji(group, word):
    parts = word["parts"]
    assert parts, "every seeded word has its per-character parts"
    assert "".join(p["kanji"] for p in parts) == word["kanji"]
    assert "".join(r for p in parts for r in p["romaji"]) == word["romaji"]
    assert all(r and r.isascii() and r.isalpha() and r.islower() for p in parts for r in p["romaji"])


def test_no_word_is_seeded_twice_in_a_group():
    for words in GROUPS.values():
        keys = [(w["kanji"], w["romaji"], w["english"]) for w in words]
        assert len(keys) == len(set(keys))


def test_the_typing_tutor_is_seeded_at_its_dev_origin():
    assert {"name": "Typing Tutor", "url": "http://localhost:8080"}.items() <= ACTIVITIES[0].items()

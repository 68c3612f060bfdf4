"""Words, groups and study activities."""

import pytest

from tests.helpers import SEED_WORDS, error_of

WORD_KEYS = {"id", "kanji", "japanese", "romaji", "english", "parts", "correct_count", "wrong_count"}


def test_words_first_page_has_the_word_shape_and_totals(client):
    body = client.get("/api/words?per_page=10").get_json()
    assert body["total_words"] == SEED_WORDS
    assert (body["current_page"], body["per_page"], body["total_pages"]) == (1, 10, 3)
    assert len(body["words"]) == 10
    word = body["words"][0]
    assert set(word) == WORD_KEYS
    assert all(set(p) == {"kanji", "romaji"} and isinstance(p["romaji"], list) for p in word["parts"])


def test_words_default_sort_is_kanji_ascending_and_stable(client):
    words = client.get("/api/words?per_page=500").get_json()["words"]
    assert [(w["kanji"], w["id"]) for w in words] == sorted((w["kanji"], w["id"]) for w in words)


@pytest.mark.parametrize("key", ["kanji", "romaji", "english", "correct_count", "wrong_count"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_words_sort_keys(client, session_id, key, order):
    client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 9, "correct": False})
    words = client.get(f"/api/words?sort_by={key}&order={order}&per_page=500").get_json()["words"]
    keys = [(w[key], w["id"]) for w in words]
    assert keys == sorted(keys, reverse=order == "desc")


def test_words_pages_cover_every_word_once(client):
    ids = []
    for page in (1, 2, 3):
        ids += [w["id"] for w in client.get(f"/api/words?per_page=10&page={page}").get_json()["words"]]
    assert sorted(ids) == list(range(1, SEED_WORDS + 1))


def test_page_past_the_end_is_empty(client):
    body = client.get("/api/words?page=99&per_page=20").get_json()
    assert body["words"] == [] and body["total_pages"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "page=1.5",
        "per_page=0",
        "per_page=501",
        "per_page=",
        "order=up",
        "sort_by=id;DROP",
    ],
)
def test_bad_list_parameters_are_400(client, query):
    response = client.get(f"/api/words?{query}")
    assert response.status_code == 400
    assert error_of(response)


def test_show_word_lists_its_groups_with_name(client):
    body = client.get("/api/words/1").get_json()
    assert set(body["word"]) == WORD_KEYS | {"groups", "memory"}
    assert body["word"]["groups"] == [{"id": 1, "name": "Adjectives"}]


def test_word_counts_are_all_time_totals(client, session_id):
    other = client.post("/api/study_sessions", json={"group_id": 1, "study_activity_id": 1}).get_json()["id"]
    client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 4, "correct": True})
    client.post(f"/api/study_sessions/{other}/review", json={"word_id": 4, "correct": False})
    word = client.get("/api/words/4").get_json()["word"]
    assert (word["correct_count"], word["wrong_count"]) == (1, 1)


def test_groups_list_uses_group_name_and_word_count(client):
    body = client.get("/api/groups").get_json()
    assert body["groups"] == [
        {"id": 1, "group_name": "Adjectives", "word_count": 12},
        {"id": 2, "group_name": "Verbs", "word_count": 15},
    ]
    assert (body["current_page"], body["total_pages"], body["per_page"]) == (1, 1, 10)


@pytest.mark.parametrize(
    ("query", "order"),
    [
        ("sort_by=word_count&order=desc", [2, 1]),
        ("sort_by=words_count&order=asc", [1, 2]),
        ("sort_by=name&order=desc", [2, 1]),
        ("sort_by=group_name", [1, 2]),
    ],
)
def test_groups_sort_keys(client, query, order):
    assert [g["id"] for g in client.get(f"/api/groups?{query}").get_json()["groups"]] == order


def test_show_group(client):
    assert client.get("/api/groups/2").get_json() == {"id": 2, "group_name": "Verbs", "word_count": 15}


def test_group_words_paginated_and_sorted(client):
    body = client.get("/api/groups/2/words?per_page=10&page=2&sort_by=romaji").get_json()
    assert len(body["words"]) == 5
    assert (body["current_page"], body["total_pages"], body["per_page"]) == (2, 2, 10)
    assert [w["romaji"] for w in body["words"]] == sorted(w["romaji"] for w in body["words"])


def test_group_words_raw_has_every_word_for_the_typing_tutor(client):
    body = client.get("/api/groups/1/words/raw").get_json()
    assert (body["group_id"], body["group_name"]) == (1, "Adjectives")
    assert len(body["words"]) == 12 and set(body["words"][0]) == WORD_KEYS


def test_group_study_sessions(client, session_id):
    client.post("/api/study_sessions", json={"group_id": 2, "study_activity_id": 1})
    body = client.get("/api/groups/1/study_sessions").get_json()
    assert [s["id"] for s in body["study_sessions"]] == [session_id]
    assert (body["current_page"], body["total_pages"]) == (1, 1)


@pytest.mark.parametrize("suffix", ["", "/words", "/words/raw", "/study_sessions"])
def test_unknown_group_is_404(client, suffix):
    response = client.get(f"/api/groups/50{suffix}")
    assert response.status_code == 404
    assert error_of(response) == "Group 50 not found."


def test_study_activities_are_a_bare_array_with_absolute_launch_url(client):
    body = client.get("/api/study_activities").get_json()
    assert isinstance(body, list)
    assert body[0]["title"] == "Typing Tutor"
    assert body[0]["launch_url"] == "http://localhost:8080"
    assert set(body[0]) == {"id", "title", "launch_url", "preview_url", "description"}
    assert client.get("/api/study_activities/1").get_json() == body[0]


def test_launch_data_names_groups_with_name(client):
    body = client.get("/api/study_activities/1/launch").get_json()
    assert body["activity"]["id"] == 1
    assert body["groups"] == [{"id": 1, "name": "Adjectives"}, {"id": 2, "name": "Verbs"}]


@pytest.mark.parametrize("suffix", ["sessions", "study_sessions"])
def test_activity_sessions(client, session_id, suffix):
    body = client.get(f"/api/study_activities/1/{suffix}?per_page=5").get_json()
    assert [s["id"] for s in body["items"]] == [session_id]
    assert (body["total"], body["page"], body["per_page"], body["total_pages"]) == (1, 1, 5, 1)


def test_post_study_activities_creates_a_session(client, conn):
    response = client.post("/api/study_activities", json={"group_id": 1, "activity_id": 1})
    assert response.status_code == 200
    assert response.get_json()["session_id"] == 1
    assert conn.execute("SELECT count(*) AS n FROM study_sessions").fetchone()["n"] == 1


@pytest.mark.parametrize("suffix", ["", "/launch", "/sessions"])
def test_unknown_activity_is_404(client, suffix):
    response = client.get(f"/api/study_activities/8{suffix}")
    assert response.status_code == 404
    assert error_of(response) == "Study activity 8 not found."


def test_every_word_carries_japanese_equal_to_kanji(client, session_id):
    """Activities written against the bootcamp's spec read word.japanese."""
    client.post(f"/api/study_sessions/{session_id}/review", json={"word_id": 3, "correct": True})
    words = [
        *client.get("/api/words").get_json()["words"],
        *client.get("/api/groups/1/words").get_json()["words"],
        *client.get("/api/groups/1/words/raw").get_json()["words"],
        *client.get(f"/api/study_sessions/{session_id}").get_json()["words"],
        *client.get(f"/api/study_sessions/{session_id}/words").get_json()["items"],
        client.get("/api/words/3").get_json()["word"],
    ]
    assert len(words) == SEED_WORDS + 10 + 12 + 3
    assert all(w["japanese"] == w["kanji"] for w in words)


@pytest.mark.parametrize(
    ("path", "per_page"),
    [
        ("/api/words", 50),
        ("/api/groups", 10),
        ("/api/groups/1/words", 10),
        ("/api/groups/1/study_sessions", 10),
        ("/api/study_sessions", 100),
        ("/api/study_activities/1/sessions", 100),
    ],
)
def test_default_page_sizes_are_the_portals(client, path, per_page):
    body = client.get(path).get_json()
    assert body.get("per_page", body.get("pagination", {}).get("items_per_page")) == per_page


def test_group_words_default_page_is_ten_words(client):
    body = client.get("/api/groups/2/words").get_json()
    assert len(body["words"]) == 10 and body["total_pages"] == 2


def expected_order(client, key, order):
    words = []
    for page in range(1, 4):
        words += client.get(f"/api/words?sort_by=kanji&per_page=10&page={page}").get_json()["words"]
    return [w["id"] for w in sorted(words, key=lambda w: (w[key], w["id"]), reverse=order == "desc")]


def all_pages(client, key, order, per_page):
    ids, page = [], 1
    while True:
        body = client.get(f"/api/words?sort_by={key}&order={order}&per_page={per_page}&page={page}").get_json()
        ids += [w["id"] for w in body["words"]]
        if page >= body["total_pages"]:
            return ids
        page += 1


@pytest.mark.parametrize("every_word_answered", [False, True])
@pytest.mark.parametrize("key", ["correct_count", "wrong_count"])
@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("per_page", [1, 4, 7, 27])
def test_pages_sorted_by_a_count_are_the_sorted_vocabulary_cut_in_pages(
    client, session_id, every_word_answered, key, order, per_page
):
    """Read from the count indexes and the id order, not sorted: every page of every size
    must still be where a full sort puts it (words at 0, answered or not, by id)."""
    answers = [(3, True), (3, True), (5, False), (8, True), (8, False), (13, False), (20, True), (21, True)]
    if every_word_answered:
        answers += [(w, False) for w in range(1, 28) if w not in {3, 5, 8, 13, 20, 21}]
    client.post(
        f"/api/study_sessions/{session_id}/review",
        json={"reviews": [{"word_id": w, "correct": c} for w, c in answers]},
    )
    assert all_pages(client, key, order, per_page) == expected_order(client, key, order)


@pytest.mark.parametrize("key", ["kanji", "romaji", "english"])
@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("per_page", [1, 4, 7, 27])
def test_pages_sorted_by_a_column_are_the_sorted_vocabulary_cut_in_pages(client, key, order, per_page):
    """Pages past the middle are read from the other end: each must still be where a full
    sort puts it."""
    assert all_pages(client, key, order, per_page) == expected_order(client, key, order)

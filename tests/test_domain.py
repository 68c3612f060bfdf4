"""The portal's rules on a connection alone, with no app, request or Flask context: what
the routes and the command line both call."""

import pytest

from lib import db
from lib.domain import answers, counters, feedback, learners, sessions, words
from lib.domain.errors import Conflict, NotFound
from lib.domain.lists import Sort
from tests.helpers import count


@pytest.fixture
def bare(seeded_database):
    """A connection to a seeded database, made without any app."""
    conn = db.connect(seeded_database)
    yield conn
    conn.close()


def test_a_session_and_its_answers_are_recorded_without_an_app(bare):
    with bare.transaction():
        session = sessions.create(bare, group_id=1, study_activity_id=1)
        rows = answers.record_in_session(
            bare,
            session["id"],
            [{"word_id": 3, "correct": True, "grade": 4}, {"word_id": 4, "correct": False, "grade": 1}],
        )
    assert [(r["word_id"], r["correct"], r["grade"], r["study_session_id"]) for r in rows] == [
        (3, 1, 4, session["id"]),
        (4, 0, 1, session["id"]),
    ]
    assert counters.counter_mismatches(bare) == []
    found, total = words.page(bare, 1, Sort("correct_count", "DESC"), 0, 1)
    assert (found[0]["id"], found[0]["correct_count"], total) == (3, 1, 27)


def test_an_answer_to_a_missing_word_names_it_and_leaves_nothing(bare):
    with pytest.raises(NotFound, match="^Words 98, 99 not found.$"), bare.transaction():
        session = sessions.create(bare, group_id=1, study_activity_id=1)
        answers.record_in_session(
            bare,
            session["id"],
            [{"word_id": 98, "correct": True, "grade": 3}, {"word_id": 99, "correct": True, "grade": 3}],
        )
    assert count(bare, "study_sessions") == count(bare, "word_review_items") == 0


def test_a_second_feedback_of_a_reviewer_is_a_conflict_naming_the_first(bare):
    with bare.transaction():
        session = sessions.create(bare, group_id=1, study_activity_id=1, learner_id=learners.DEFAULT_LEARNER)
        first = feedback.add(bare, session["id"], {"rating": 4})
    with pytest.raises(Conflict) as raised, bare.transaction():
        feedback.add(bare, session["id"], {"rating": 2})
    assert raised.value.extra == {"existing_review_id": first["id"]}
    assert [row["rating"] for row in feedback.of_session(bare, session["id"])] == [4]

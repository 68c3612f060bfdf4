"""The bodies of the write requests, each read and checked as a whole: a new session, an
answer, a batch of answers, feedback, a learner. Every problem is named."""

from flask import g
from werkzeug.exceptions import BadRequest, HTTPException

from lib.domain.answers import MAX_RESPONSE
from lib.web.body import json_body
from lib.web.errors import ValidationError
from lib.web.fields import (
    Invalid,
    answer,
    duration_ms,
    fields,
    grade,
    hour,
    name,
    optional_id,
    positive_id,
    rating,
    text,
    time_zone,
)

MAX_BATCH = 500
MAX_COMMENTS = 2000
MAX_NAME = 100


def new_session(body):
    """{group_id, study_activity_id, learner_id?}; activity_id is accepted as a synonym."""
    if "activity_id" in body:
        if "study_activity_id" in body:
            raise ValidationError({"activity_id": "is another name for study_activity_id; send only one"})
        body = {**body, "study_activity_id": body["activity_id"]}
    spec = {
        "group_id": (positive_id, True),
        "study_activity_id": (positive_id, True),
        "learner_id": (positive_id, False),
    }
    return fields(body, spec, synonyms=["activity_id"])


ANSWER_FIELDS = {
    "word_id": (positive_id, True),
    "correct": (answer, False),
    "grade": (grade, False),
    "duration_ms": (duration_ms, False),
    "response": (text(MAX_RESPONSE), False),
}


def word_answer(item, prefix="", spec=ANSWER_FIELDS):
    """One answer {word_id, correct and/or grade, duration_ms?, response?}; is_correct is
    accepted as a synonym of correct. Without a grade, correct false is 1 and true is 3;
    with both, they must agree (1 with false, 2-4 with true): hard is a pass."""
    if "is_correct" in item:
        if "correct" in item:
            raise ValidationError({prefix + "is_correct": "is another name for correct; send only one"})
        item = {**item, "correct": item["is_correct"]}
    values = fields(item, spec, prefix, synonyms=["is_correct"])
    if "grade" not in values:
        if "correct" not in values:
            raise ValidationError({prefix + "correct": "is required (or grade, or both)"})
        values["grade"] = 3 if values["correct"] else 1
    elif "correct" in values and values["correct"] != (values["grade"] >= 2):
        raise ValidationError(
            {
                prefix + "grade": f"{values['grade']} does not agree with correct {str(values['correct']).lower()} "
                "(grade 1 is a wrong answer, 2 to 4 right ones)"
            }
        )
    values["correct"] = values["grade"] >= 2
    return values


def word_review(body):
    """The body of POST /study_sessions/:id/words/:word_id/review: an answer without word_id."""
    return word_answer(body, spec={k: v for k, v in ANSWER_FIELDS.items() if k != "word_id"})


def _batch_items(reviews):
    """The answers of a batch: 1..MAX_BATCH objects, each read like a word review."""
    if not isinstance(reviews, list) or not 1 <= len(reviews) <= MAX_BATCH:
        raise Invalid(f"must be an array of 1 to {MAX_BATCH} reviews")
    answers, details = [], {}
    for i, item in enumerate(reviews):
        if not isinstance(item, dict):
            details[f"reviews[{i}]"] = "must be an object {word_id, correct or grade}"
            continue
        try:
            answers.append(word_answer(item, prefix=f"reviews[{i}]."))
        except ValidationError as e:
            details.update(e.details)
    if details:
        raise ValidationError(details)
    return answers


def batch(body):
    return fields(body, {"reviews": (_batch_items, True)})["reviews"]


def feedback(body):
    return fields(
        body,
        {
            "rating": (rating, True),
            "comments": (text(MAX_COMMENTS), False),
            "reviewer_id": (optional_id, False),
        },
    )


# The three forms of POST /study_sessions/:id/review, told apart by their fields.
REVIEW_FORMS = {
    "word": {"word_id", "correct", "is_correct", "grade", "duration_ms", "response"},
    "batch": {"reviews"},
    "feedback": {"rating", "comments", "reviewer_id"},
}


def review_form():
    """Which of the three forms the review request's body uses, decided once per request
    (the rate limiter asks before the view does); mixing forms or none is a 400."""
    if "review_form" not in g:
        g.review_form = _decide_review_form()
    if isinstance(g.review_form, HTTPException):
        raise g.review_form
    return g.review_form


def _decide_review_form():
    try:
        body = json_body()
    except HTTPException as e:
        return e
    forms = [name for name, keys in REVIEW_FORMS.items() if keys & body.keys()]
    if len(forms) != 1:
        problem = "mixes fields of " + " and ".join(forms) if forms else "matches none of"
        return BadRequest(
            f"The review body {problem} the three forms: a word review {{word_id, correct}}, "
            "a batch {reviews: [...]}, or session feedback {rating, comments?, reviewer_id?}."
        )
    return forms[0]


def is_feedback():
    """Whether the review request carries session feedback (a bad body does not: the view
    reports it)."""
    try:
        return review_form() == "feedback"
    except HTTPException:
        return False


def learner(body, required):
    """{name, timezone?, day_start_hour?}: on PUT every field may be left out, and what is
    left out stays as it was."""
    spec = {"name": (name(MAX_NAME), required), "timezone": (time_zone, False), "day_start_hour": (hour, False)}
    values = fields(body, spec)
    if not values and not required:
        raise ValidationError({"name": "send at least one of name, timezone, day_start_hour"})
    return values


def login(body):
    """{username, password, scope?}: scope write (the default) or read."""
    values = fields(
        body,
        {"username": (text(100), True), "password": (text(1024), True), "scope": (scope, False)},
    )
    if values["username"] is None or values["password"] is None:
        raise ValidationError({name: "must be a string" for name in ("username", "password") if values[name] is None})
    return {"scope": "write", **values}


def scope(value):
    if value not in ("write", "read"):
        raise Invalid("must be write (read and write) or read")
    return value


def empty():
    """The body of a write that takes no fields (a reset, a fit): none, or an empty object."""
    fields(json_body(required=False), {})

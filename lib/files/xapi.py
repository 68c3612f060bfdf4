"""xAPI 1.0.3 statements, for learning-record stores: each answer a statement with the
learner as an Agent with an account on this server, the verb answered, the word as an
Activity identified by its URL, and ids derived from the answer (the same on every export)."""

import uuid

XAPI_VERSION = "1.0.3"
STATEMENTS = uuid.UUID("a1f2b3c4-0000-5000-8000-6c616e67706f")  # namespace of this server's statement ids


def duration(ms):
    """An ISO 8601 duration (PT1.25S) from milliseconds."""
    seconds = ms / 1000
    return f"PT{seconds:.3f}".rstrip("0").rstrip(".") + "S"


def statement(row, learner, home):
    """One answer (with its word's kanji, romaji and english) as a statement; home is the
    server's URL, which names the learner's account and the word."""
    result = {"success": bool(row["correct"]), "extensions": {f"{home}/xapi/grade": row["grade"]}}
    if row["duration_ms"] is not None:
        result["duration"] = duration(row["duration_ms"])
    if row["response"] is not None:
        result["response"] = row["response"]
    context = {"platform": "lang-portal", "language": "ja"}
    if row["study_session_id"] is not None:
        context["registration"] = str(uuid.uuid5(STATEMENTS, f"{home}/study_sessions/{row['study_session_id']}"))
    return {
        "id": str(uuid.uuid5(STATEMENTS, f"{home}/answers/{row['id']}")),
        "actor": {
            "objectType": "Agent",
            "name": learner["name"],
            "account": {"homePage": home, "name": str(learner["id"])},
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": f"{home}/api/words/{row['word_id']}",
            "definition": {
                "name": {"ja": row["kanji"], "en-US": row["english"]},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "interactionType": "fill-in",
                "correctResponsesPattern": [row["romaji"]],
            },
        },
        "result": result,
        "timestamp": row["created_at"],
        "version": XAPI_VERSION,
        "context": context,
    }

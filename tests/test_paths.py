import pytest

from lib.web.paths import canonical_path


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/api/study_sessions/3/review", "/api/study_sessions/3/review"),
        ("/study_sessions/3/review", "/api/study_sessions/3/review"),
        ("/api/study-sessions/3", "/api/study_sessions/3"),
        ("/dashboard/recent-session", "/api/dashboard/recent_session"),
        ("/api/words/", "/api/words"),
        ("/", "/api"),
        ("/api/docs/swagger-ui.css", "/api/docs/swagger-ui.css"),
    ],
)
def test_canonical_path(path, canonical):
    assert canonical_path(path) == canonical


GET_PATHS = [
    "words",
    "words/1",
    "groups",
    "groups/1",
    "groups/1/words",
    "groups/1/words/raw",
    "groups/1/study_sessions",
    "study_activities",
    "study_activities/1",
    "study_activities/1/sessions",
    "study_activities/1/study_sessions",
    "study_activities/1/launch",
    "study_sessions",
    "study_sessions/1",
    "study_sessions/1/words",
    "study_sessions/1/reviews",
    "dashboard/recent_session",
    "dashboard/last_study_session",
    "dashboard/stats",
    "dashboard/quick_stats",
    "dashboard/study_progress",
    "health",
]


@pytest.mark.parametrize("path", GET_PATHS)
def test_every_get_answers_in_all_three_path_forms(client, session_id, path):
    canonical = client.get(f"/api/{path}")
    assert canonical.status_code == 200
    assert client.get(f"/{path}").get_json() == canonical.get_json()
    assert client.get(f"/api/{path.replace('_', '-')}").get_json() == canonical.get_json()
    assert client.get(f"/{path.replace('_', '-')}").get_json() == canonical.get_json()


@pytest.mark.parametrize(
    "path",
    ["/study_sessions", "/api/study-sessions", "/study-sessions", "/study_activities", "/api/study-activities"],
)
def test_session_creation_answers_in_every_path_form(client, path):
    response = client.post(path, json={"group_id": 1, "study_activity_id": 1})
    assert response.status_code == 200
    assert response.get_json()["session_id"] == response.get_json()["id"]


@pytest.mark.parametrize(
    "bad_id",
    ["0", "-1", "abc", "1.5", "01x", "007", "9223372036854775808", "9300000000000000000", "99999999999999999999"],
)
@pytest.mark.parametrize(
    "template", ["/api/words/{}", "/api/groups/{}", "/api/study_sessions/{}", "/study-sessions/{}"]
)
def test_ids_that_are_not_positive_integers_are_404(client, template, bad_id):
    response = client.get(template.format(bad_id))
    assert response.status_code == 404
    assert response.is_json and response.get_json()["error"]


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
@pytest.mark.parametrize("path", ["/api/study_sessions/9223372036854775808/review", "/api/study_sessions/0"])
def test_out_of_range_id_is_404_whatever_the_method(client, method, path):
    assert getattr(client, method)(path).status_code == 404


@pytest.mark.parametrize("good_id", ["999", "8999999999999999999", "9223372036854775799", "9223372036854775807"])
def test_ids_up_to_two_to_the_63_minus_one_reach_the_view(client, good_id):
    response = client.get(f"/api/words/{good_id}")
    assert response.status_code == 404
    assert response.get_json()["error"] == f"Word {good_id} not found."

"""Accounts of the class mode (lib/domain/accounts.py, routes/accounts.py, the commands):
signing in and out, tokens that expire and are revoked, the commands that make accounts,
and what one person's requests share with another's (nothing)."""

import time

import pytest

from lib import db, schema
from lib.domain import accounts
from lib.web import auth
from tests.helpers import People, error_of, make_app


def sign_in(client, username="alice", password=People.PASSWORD, **extra):
    return client.post("/api/auth/login", json={"username": username, "password": password, **extra})


def test_signing_in_gives_a_token_that_says_who_it_is(class_client, people):
    response = sign_in(class_client, "Alice", scope="read")
    assert response.status_code == 200
    body = response.get_json()
    assert body["scope"] == "read" and len(body["token"]) >= 40 and body["expires_at"].endswith("Z")
    me = class_client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json() == {
        "username": "alice",
        "role": "learner",
        "learner_id": people.learner_ids["alice"],
        "scope": "read",
        "classes": ["Class A"],
    }


def test_the_token_is_kept_only_as_a_hash(class_client, class_app):
    token = sign_in(class_client).get_json()["token"]
    conn = db.connect_app_db(class_app)
    try:
        stored = [row["token_hash"] for row in conn.rows("SELECT token_hash FROM tokens")]
        passwords = [row["password_hash"] for row in conn.rows("SELECT password_hash FROM accounts")]
    finally:
        conn.close()
    assert token not in stored and accounts.token_hash(token) in stored
    assert all(p.startswith("$argon2id$") and People.PASSWORD not in p for p in passwords)


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong password"), ("nobody", People.PASSWORD), ("ALICE ", "wrong password")],
)
def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(class_client, username, password):
    response = sign_in(class_client, username, password)
    assert response.status_code == 401
    assert response.get_json() == {"error": "The username or the password is wrong."}


def test_an_unknown_user_costs_the_same_hash_check_as_a_wrong_password(class_client, monkeypatch):
    checked = []

    class Counting(type(accounts._hasher)):
        def verify(self, stored, password):
            checked.append(stored.split("$")[:4])  # the algorithm and its parameters
            return super().verify(stored, password)

    monkeypatch.setattr(accounts, "_hasher", Counting())
    sign_in(class_client, "alice", "wrong password")
    sign_in(class_client, "nobody at all", "wrong password")
    assert len(checked) == 2 and checked[0] == checked[1]


def test_login_refuses_bad_bodies(class_client):
    for body in (
        {},
        {"username": "alice"},
        {"username": 1, "password": "x"},
        {"username": "a", "password": "b", "scope": "all"},
    ):
        response = class_client.post("/api/auth/login", json=body)
        assert response.status_code == 400, body
        error_of(response)


def test_logout_revokes_the_token_sent_and_only_it(class_client, people):
    first, second = (sign_in(class_client).get_json()["token"] for _ in range(2))
    out = class_client.post("/api/auth/logout", json={}, headers={"Authorization": f"Bearer {first}"})
    assert out.status_code == 200
    for token, status in ((first, 401), (second, 200)):
        assert class_client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == status


def test_an_expired_token_is_refused(class_app, class_client, people):
    conn = db.connect_app_db(class_app)
    try:
        with conn.transaction():
            token = accounts.issue_token(conn, people.account_ids["alice"], "write", hours=-1)["token"]
    finally:
        conn.close()
    response = class_client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in error_of(response)


def test_a_token_revoked_on_one_server_is_refused_by_another_within_the_bound(class_app, people):
    """Two apps on one database, as two servers: the other keeps a live token's account for
    TOKEN_CACHE_SECONDS at most, then asks the database again."""
    other = make_app(class_app.config["DATABASE"], ACCESS="class")
    mine, theirs = class_app.test_client(), other.test_client()
    token = sign_in(mine).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert theirs.get("/api/auth/me", headers=headers).status_code == 200
    assert mine.post("/api/auth/logout", json={}, headers=headers).status_code == 200
    assert mine.get("/api/auth/me", headers=headers).status_code == 401  # at once where it was revoked
    cache = other.extensions["lang_portal_tokens"]
    who, kept_until = cache[token]
    assert kept_until <= time.monotonic() + auth.TOKEN_CACHE_SECONDS
    cache[token] = (who, time.monotonic())  # the bound has passed
    assert theirs.get("/api/auth/me", headers=headers).status_code == 401
    db.close_connections(other)


def test_a_disabled_account_signs_in_no_more_and_its_tokens_end(class_app, class_client, people):
    headers = people.headers("bob")
    assert class_client.get("/api/auth/me", headers=headers).status_code == 200
    result = class_app.test_cli_runner().invoke(args=["disable-account", "bob"])
    assert result.exit_code == 0, result.output
    assert "disabled; 1 tokens revoked" in result.output
    auth_cache = class_app.extensions["lang_portal_tokens"]
    auth_cache.clear()  # the command ran in another process, as it would
    assert class_client.get("/api/auth/me", headers=headers).status_code == 401
    assert sign_in(class_client, "bob").status_code == 401


def test_logins_are_limited_per_username_and_per_address(tmp_path, class_file):
    import shutil

    template, _ = class_file
    if not isinstance(template, type(tmp_path)):
        pytest.skip("the limits are the same on both engines: their storage is not the database")
    shutil.copyfile(template, tmp_path / "class.db")
    app = make_app(
        tmp_path / "class.db",
        ACCESS="class",
        RATELIMIT_ENABLED=True,
        LOGIN_RATE_LIMIT="3 per minute",
        LOGIN_ADDRESS_RATE_LIMIT="4 per minute",
    )
    client = app.test_client()
    statuses = [sign_in(client, "alice", "wrong password").status_code for _ in range(3)]
    refused = sign_in(client, "alice")  # the right password, after too many tries
    assert statuses == [401] * 3 and refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert sign_in(client, "bob").status_code == 200  # another username, same address
    assert sign_in(client, "tess").status_code == 429  # the address has had its four
    db.close_connections(app)


# --- the commands ----------------------------------------------------------------------------


def test_the_commands_make_classes_and_accounts_that_sign_in(class_app, class_client):
    runner = class_app.test_cli_runner()
    assert runner.invoke(args=["create-class", "Class C"]).exit_code == 0
    made = runner.invoke(
        args=[
            "create-account",
            "Carol",
            "--role",
            "learner",
            "--class",
            "Class C",
            "--class",
            "Class A",
            "--password-stdin",
        ],
        input="a long password\n",
    )
    assert made.exit_code == 0, made.output
    assert "a long password" not in made.output
    assert "Account 'carol' created: learner, owning learner" in made.output
    token = sign_in(class_client, "carol", "a long password").get_json()["token"]
    me = class_client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["classes"] == ["Class A", "Class C"] and me["role"] == "learner"
    learner = class_client.get(f"/api/learners/{me['learner_id']}", headers={"Authorization": f"Bearer {token}"})
    assert learner.get_json()["name"] == "carol"


def test_create_account_prompts_twice_without_echo(class_app):
    runner = class_app.test_cli_runner()
    made = runner.invoke(args=["create-account", "root2", "--role", "admin"], input="pass word 1\npass word 1\n")
    assert made.exit_code == 0, made.output
    assert "pass word 1" not in made.output and "Repeat for confirmation" in made.output
    differs = runner.invoke(args=["create-account", "root3", "--role", "admin"], input="pass word 1\nother one\n" * 1)
    assert differs.exit_code != 0


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["create-account", "alice", "--role", "learner"], "There is an account named 'alice' already."),
        (["create-account", "x y", "--role", "learner"], "A username is 1 to 64"),
        (["create-account", "dan", "--role", "teacher", "--class", "Nope"], "There is no class named 'Nope'"),
        (["create-account", "dan", "--role", "teacher", "--learner", "1"], "Only a learner account owns a learner."),
        (["create-account", "dan", "--role", "learner", "--learner", "999"], "Learner 999 not found."),
        (["create-account", "dan", "--role", "learner", "--learner", "2"], "belongs to another account"),
        (["create-class", "Class A"], "There is a class named 'Class A' already."),
        (["set-password", "nobody"], "There is no account named 'nobody'."),
        (["revoke-tokens", "nobody"], "There is no account named 'nobody'."),
    ],
)
def test_the_commands_refuse_in_one_line_and_change_nothing(class_app, args, sentence):
    before = _accounts(class_app)
    result = class_app.test_cli_runner().invoke(
        args=[*args, "--password-stdin"] if args[0] != "create-class" and args[0] != "revoke-tokens" else args,
        input="long enough pw\n",
    )
    assert result.exit_code == 1, result.output
    assert sentence in result.output
    assert _accounts(class_app) == before


def test_a_short_password_is_refused(class_app):
    result = class_app.test_cli_runner().invoke(
        args=["create-account", "dan", "--role", "admin", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 1 and "A password is 8 to 1024 characters." in result.output


def test_set_password_and_revoke_tokens_end_the_tokens(class_app, class_client, people):
    runner = class_app.test_cli_runner()
    result = runner.invoke(args=["set-password", "alice", "--password-stdin"], input="a new password\n")
    assert result.exit_code == 0 and "2 tokens revoked" in result.output  # her write and read tokens
    class_app.extensions["lang_portal_tokens"].clear()
    assert class_client.get("/api/auth/me", headers=people.headers("alice")).status_code == 401
    assert sign_in(class_client).status_code == 401
    token = sign_in(class_client, password="a new password").get_json()["token"]
    assert runner.invoke(args=["revoke-tokens", "alice"]).output.startswith("1 tokens of 'alice' revoked.")
    class_app.extensions["lang_portal_tokens"].clear()
    assert class_client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def _accounts(app):
    conn = db.connect_app_db(app)
    try:
        return [tuple(r.values()) for r in conn.rows("SELECT id, username, learner_id FROM accounts ORDER BY id")] + [
            tuple(r.values()) for r in conn.rows("SELECT id, name FROM classes ORDER BY id")
        ]
    finally:
        conn.close()


# --- nothing shared between people ---------------------------------------------------------


def test_an_idempotency_key_is_each_accounts_own(class_client, people):
    key = {"Idempotency-Key": "same-key-for-both"}
    body = {"group_id": 1, "study_activity_id": 1}
    alices = class_client.post("/api/study_sessions", json=body, headers={**people.headers("alice"), **key})
    bobs = class_client.post("/api/study_sessions", json=body, headers={**people.headers("bob"), **key})
    again = class_client.post("/api/study_sessions", json=body, headers={**people.headers("alice"), **key})
    assert alices.status_code == bobs.status_code == 200
    assert bobs.get_json()["learner_id"] == people.learner_ids["bob"] != alices.get_json()["learner_id"]
    assert again.get_json() == alices.get_json()


def test_the_response_cache_never_serves_one_persons_page_to_another(class_client, people):
    alice_session = people.session_ids["alice"]
    answered = class_client.post(
        f"/api/study_sessions/{alice_session}/review",
        json={"word_id": 2, "correct": True},
        headers=people.headers("alice"),
    )
    assert answered.status_code == 200

    def word_2(who):
        response = class_client.get("/api/words?per_page=100", headers=people.headers(who))
        assert response.status_code == 200, response.get_json()
        words = response.get_json()["words"]
        return next(w["correct_count"] for w in words if w["id"] == 2)

    assert [word_2("alice"), word_2("bob"), word_2("alice"), word_2("bob")] == [1, 0, 1, 0]


def test_a_full_reset_keeps_accounts_classes_and_their_learners(class_client, people):
    response = class_client.post("/api/full_reset", json={}, headers=people.headers("admin"))
    assert response.status_code == 200, response.get_json()
    me = class_client.get("/api/auth/me", headers=people.headers("alice")).get_json()
    assert me["learner_id"] == people.learner_ids["alice"] and me["classes"] == ["Class A"]
    learner = class_client.get(f"/api/learners/{me['learner_id']}", headers=people.headers("alice"))
    assert learner.status_code == 200
    assert class_client.get("/api/study_sessions", headers=people.headers("alice")).get_json()["items"] == []


# --- the upgrade ---------------------------------------------------------------------------


def test_the_upgrade_to_accounts_keeps_every_row(database):
    """A version-10 database with learners and sessions gets the accounts tables (011) and
    the jobs table (012), empty, and keeps what it held."""
    conn = db.connect(database)
    schema.migrate(conn, target=10)
    with conn.transaction():
        conn.execute("INSERT INTO groups (name) VALUES ('Old Group')")
        conn.execute("INSERT INTO words (kanji, romaji, english) VALUES ('猫', 'neko', 'cat')")
        conn.execute("INSERT INTO word_groups (word_id, group_id) VALUES (1, 1)")
        conn.execute("INSERT INTO study_activities (name, url) VALUES ('Old App', 'http://localhost:9000')")
        conn.execute("INSERT INTO learners (name, created_at) VALUES ('Second', '2026-01-01T00:00:00Z')")
        conn.execute(
            "INSERT INTO study_sessions (learner_id, group_id, study_activity_id, created_at, learning_day) "
            "VALUES (2, 1, 1, '2026-01-02T03:04:05Z', '2026-01-02')"
        )
    before = conn.rows("SELECT id, learner_id FROM study_sessions")
    assert schema.migrate(conn) == list(range(11, schema.latest_version() + 1))
    assert conn.rows("SELECT id, learner_id FROM study_sessions") == before
    assert conn.scalar("SELECT count(*) FROM accounts") == conn.scalar("SELECT count(*) FROM tokens") == 0
    assert conn.scalar("SELECT count(*) FROM jobs") == 0  # 012: the jobs table, empty
    with conn.transaction():
        made = accounts.create_account(conn, "second", People.PASSWORD, "learner", learner_id=2)
    assert made["learner_id"] == 2
    conn.close()

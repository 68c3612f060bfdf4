"""Settings come from the environment in one step, each checked."""

import pytest

from lib import config


def test_defaults():
    settings = config.from_environment({})
    assert settings["SYNCHRONOUS"] == "FULL" and settings["WRITE_TIMEOUT"] == 5.0
    assert settings["RATELIMIT_ENABLED"] is True and settings["API_TOKEN"] is None
    assert settings["CORS_ORIGINS"] == config.DEV_ORIGINS
    assert settings["DATABASE"].endswith("words.db")
    assert settings["BACKUP_EVERY"] == 24 and settings["BACKUP_KEEP"] == 10 and settings["BACKUP_DIR"] == ""


def test_scheduled_backups_are_off_by_default_on_postgresql():
    assert config.from_environment({"LANG_PORTAL_DB": "postgresql://db.internal/lp"})["BACKUP_EVERY"] == 0


def test_every_variable_is_read():
    settings = config.from_environment(
        {
            "LANG_PORTAL_DB": "/srv/lp.db",
            "LANG_PORTAL_SYNCHRONOUS": "normal",
            "LANG_PORTAL_GROUP_COMMIT": "off",
            "LANG_PORTAL_WRITE_TIMEOUT": "2.5",
            "LANG_PORTAL_POOL_SIZE": "16",
            "LANG_PORTAL_CORS_ORIGINS": "https://a.example, https://b.example",
            "LANG_PORTAL_API_TOKEN": "s3cret",
            "LANG_PORTAL_RESPONSE_CACHE": "off",
            "LANG_PORTAL_RATE_LIMITS": "off",
            "LANG_PORTAL_RATE_LIMIT_STORAGE": "redis://localhost:6379",
            "LANG_PORTAL_FEEDBACK_LIMIT": "5 per minute",
            "LANG_PORTAL_REVIEW_LIMIT": "50 per minute",
            "LANG_PORTAL_ACCESS": "open",
            "LANG_PORTAL_PUBLIC_URL": "https://portal.example/",
            "LANG_PORTAL_TRUSTED_HOSTS": "Portal.example, lp.internal",
            "LANG_PORTAL_LOGIN_LIMIT": "3 per minute",
            "LANG_PORTAL_HISTORY_LIMIT": "4 per minute",
            "LANG_PORTAL_JOB_WORKERS": "0",
            "LANG_PORTAL_JOB_QUEUE": "5",
            "LANG_PORTAL_OPTIMIZE_LIMIT": "2 per hour",
            "LANG_PORTAL_LOGIN_ADDRESS_LIMIT": "30 per minute",
            "LANG_PORTAL_TOKEN_HOURS": "24",
            "LANG_PORTAL_SESSION_HOURS": "1.5",
            "LANG_PORTAL_BACKUP_DIR": "/srv/backups",
            "LANG_PORTAL_BACKUP_EVERY": "6",
            "LANG_PORTAL_BACKUP_KEEP": "3",
        }
    )
    assert settings == {
        "DATABASE": "/srv/lp.db",
        "SYNCHRONOUS": "NORMAL",
        "GROUP_COMMIT": False,
        "WRITE_TIMEOUT": 2.5,
        "POOL_SIZE": 16,
        "CORS_ORIGINS": ("https://a.example", "https://b.example"),
        "API_TOKEN": "s3cret",
        "RESPONSE_CACHE": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "redis://localhost:6379",
        "FEEDBACK_RATE_LIMIT": "5 per minute",
        "REVIEW_RATE_LIMIT": "50 per minute",
        "ACCESS": "open",
        "PUBLIC_URL": "https://portal.example",
        "HOSTS": frozenset({"portal.example", "lp.internal"}),
        "LOGIN_RATE_LIMIT": "3 per minute",
        "HISTORY_RATE_LIMIT": "4 per minute",
        "JOB_WORKERS": 0,
        "JOB_QUEUE": 5,
        "OPTIMIZE_RATE_LIMIT": "2 per hour",
        "LOGIN_ADDRESS_RATE_LIMIT": "30 per minute",
        "TOKEN_HOURS": 24.0,
        "SESSION_HOURS": 1.5,
        "BACKUP_DIR": "/srv/backups",
        "BACKUP_EVERY": 6.0,
        "BACKUP_KEEP": 3,
    }


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LANG_PORTAL_SYNCHRONOUS", "SOMETIMES"),
        ("LANG_PORTAL_WRITE_TIMEOUT", "soon"),
        ("LANG_PORTAL_WRITE_TIMEOUT", "0"),
        ("LANG_PORTAL_RATE_LIMITS", "maybe"),
        ("LANG_PORTAL_POOL_SIZE", "0"),
        ("LANG_PORTAL_POOL_SIZE", "many"),
        ("LANG_PORTAL_ACCESS", "closed"),
        ("LANG_PORTAL_PUBLIC_URL", "portal.example"),
        ("LANG_PORTAL_PUBLIC_URL", "https://portal.example/api"),
        ("LANG_PORTAL_TOKEN_HOURS", "0"),
        ("LANG_PORTAL_SESSION_HOURS", "soon"),
        ("LANG_PORTAL_BACKUP_EVERY", "-1"),
        ("LANG_PORTAL_BACKUP_KEEP", "0"),
    ],
)
def test_a_setting_that_cannot_be_used_names_its_variable(variable, value):
    with pytest.raises(config.ConfigError, match=variable):
        config.from_environment({variable: value})


def test_every_setting_is_in_the_configuration_table():
    readme = (config.ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for variable, _, _ in config.SETTINGS.values():
        assert f"| `{variable}` |" in readme, variable


def test_the_public_url_defaults_to_where_the_server_listens():
    assert config.from_environment({"HOST": "::1", "PORT": "8000"})["PUBLIC_URL"] == "http://[::1]:8000"
    assert config.trusted_hosts(config.from_environment({})) == {"localhost", "127.0.0.1", "[::1]"}
    settings = config.from_environment({"LANG_PORTAL_PUBLIC_URL": "https://Portal.Example:8443"})
    assert "portal.example" in config.trusted_hosts(settings)


def test_the_single_token_is_refused_in_class_mode():
    with pytest.raises(config.ConfigError, match="LANG_PORTAL_API_TOKEN is for the open mode"):
        config.from_environment({"LANG_PORTAL_ACCESS": "class", "LANG_PORTAL_API_TOKEN": "s3cret"})

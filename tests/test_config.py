"""Settings come from the environment in one step, each checked."""

import pytest

from lib import config


def test_defaults():
    settings = config.from_environment({})
    assert settings["SYNCHRONOUS"] == "FULL" and settings["WRITE_TIMEOUT"] == 5.0
    assert settings["RATELIMIT_ENABLED"] is True and settings["API_TOKEN"] is None
    assert settings["CORS_ORIGINS"] == config.DEV_ORIGINS
    assert settings["DATABASE"].endswith("words.db")


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
    ],
)
def test_a_setting_that_cannot_be_used_names_its_variable(variable, value):
    with pytest.raises(config.ConfigError, match=variable):
        config.from_environment({variable: value})


def test_every_setting_is_in_the_configuration_table():
    readme = (config.ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for variable, _, _ in config.SETTINGS.values():
        assert f"| `{variable}` |" in readme, variable

"""Response JSON through orjson, which is several times faster than the standard library on
the word lists and embeds a word's parts (stored as JSON text) without parsing them; and
the two shapes that are more than a row's values."""

import orjson
from flask.json.provider import DefaultJSONProvider


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson for dumping. Request bodies are still parsed by
    the standard library (lib/web/body.py), whose errors name the problem precisely."""

    def dumps(self, obj, **kwargs):
        return orjson.dumps(obj).decode()

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(orjson.dumps(obj) + b"\n", mimetype="application/json")


def word(row):
    """A Word row as the API returns it: its parts embedded from their stored JSON text."""
    row["parts"] = orjson.Fragment(row["parts"])
    return row


def answer(row):
    """An answer row as the API returns it: correct as a JSON boolean."""
    return {**row, "correct": bool(row["correct"])}

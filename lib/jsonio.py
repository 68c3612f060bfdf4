"""Response JSON through orjson: several times faster than the standard library on the
word lists, and it can embed a word's parts (stored as JSON text) without parsing them."""

import orjson
from flask.json.provider import DefaultJSONProvider


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson for dumping. Request bodies are still parsed by
    the standard library (lib/validation.py), whose errors name the problem precisely."""

    def dumps(self, obj, **kwargs):
        return orjson.dumps(obj).decode()

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(orjson.dumps(obj) + b"\n", mimetype="application/json")


def raw(json_text):
    """JSON text to embed as it is in a response."""
    return orjson.Fragment(json_text)

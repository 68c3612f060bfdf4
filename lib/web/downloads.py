"""Files a client downloads: sent whole, or streamed as they are made (a long export costs
the memory of a chunk, not of the file)."""

from flask import Response, stream_with_context


def file_name(name):
    """name made safe for a Content-Disposition file name (letters, digits, - and _)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_") or "group"


def _disposition(filename):
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def streamed(chunks, mimetype, filename):
    """A download made as it is sent, from an iterable of text or bytes."""
    return Response(stream_with_context(chunks), mimetype=mimetype, headers=_disposition(filename))


def whole(data, mimetype, filename):
    """A download of bytes already made."""
    return Response(data, mimetype=mimetype, headers=_disposition(filename))

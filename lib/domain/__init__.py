"""The portal's rules, as functions of a database connection (lib/engines/base.py's
Connection), importing nothing of Flask or werkzeug: the routes and the command line call
the same ones. A write runs inside the caller's transaction unless its docstring says so;
a request a rule refuses raises one of lib/domain/errors.py's exceptions."""

MAX_ID = 2**63 - 1  # ids are 1 to MAX_ID on both engines (64-bit integers)

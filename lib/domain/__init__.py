"""The portal's rules, as functions of a database connection (lib/engines/base.py's
Connection), importing nothing of Flask or werkzeug: the routes and the command line call
the same ones. A write runs inside the caller's transaction unless its docstring says so;
a rule that is broken raises lib/domain/errors.py's exceptions."""

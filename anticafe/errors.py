"""Errors that services raise and that both HTML views and the JSON API know how to show.

Every answer carries a request id (`X-Request-ID`, and `request_id` in the JSON error) that the log
names too. After an unexpected error, and above all a database error, the error path never touches the
database again: the session is rolled back, the user is not loaded, and the page is a plain one.
A busy or locked database is a 503 with `Retry-After`.
"""

import logging
import re
import secrets
from typing import Any, NamedTuple

from flask import current_app, g, has_request_context, jsonify, redirect, render_template, request, url_for
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger("anticafe.errors")

#: Seconds a client is told to wait when the database is busy.
RETRY_AFTER_SECONDS = 5
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class DomainError(Exception):
    """A rule said no. `code` is a stable snake_case reason, `message` a translated sentence."""

    status = 409

    def __init__(self, code: str, message, *, status: int | None = None, fields=None, extra=None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        #: field name -> list of messages, for form-like errors
        self.fields = fields or {}
        #: more JSON members to send along (e.g. the first check-in for a repeated scan)
        self.extra = extra or {}


class ValidationFailed(DomainError):
    """Input broke a rule tied to particular fields (422)."""

    status = 422

    def __init__(self, fields, message=None, code: str = "validation_error"):
        from flask_babel import lazy_gettext

        super().__init__(code, message or lazy_gettext("Please correct the marked fields."), fields=fields)


def in_words(problems: dict[str, list[str]], messages) -> dict[str, list]:
    """Turn a rules module's {field: [problem codes]} into {field: [messages]}: `messages` maps a code to
    its (lazy) translation, or is a function of the code; an unknown code stays as it is."""
    word = messages if callable(messages) else (lambda code: messages.get(code, code))
    return {field: [word(code) for code in codes] for field, codes in problems.items()}


def show_errors(error: DomainError, form=None, mapping: dict | None = None) -> None:
    """Show a service's refusal on a page: each field's messages on the form's field of that name
    (`mapping` renames service fields to form fields), the others as flash messages, and the sentence
    itself as a flash unless it only says "correct the marked fields"."""
    from flask import flash

    mapping = mapping or {}
    shown = set()
    for name, messages in error.fields.items():
        field = getattr(form, mapping.get(name, name), None) if form is not None else None
        if field is not None:
            field.errors = list(field.errors) + [str(m) for m in messages]
            continue
        for message in messages:
            if str(message) not in shown and str(message) != str(error.message):
                shown.add(str(message))
                flash(str(message), "error")
    if not error.fields or error.code != "validation_error":
        flash(str(error.message), "error")


class Ran(NamedTuple):
    """What `run_service` came to: the service's result, or the error it refused with (already shown)."""

    result: Any
    error: DomainError | None


def run_service(service, *args, form=None, mapping: dict | None = None, **kwargs) -> Ran:
    """Run one service for a page: commit and return its result; when it refuses, roll back, show its
    errors (`show_errors`) and return the error instead.

    `thing, error = run_service(services.do, ...)`, or `error = run_service(...).error`.
    """
    from .extensions import db

    try:
        result = service(*args, **kwargs)
    except DomainError as error:
        db.session.rollback()
        show_errors(error, form, mapping)
        return Ran(None, error)
    db.session.commit()
    return Ran(result, None)


def wants_json() -> bool:
    """Tell whether this request belongs to the JSON API."""
    return request.path.startswith("/api/")


def request_id() -> str:
    """Return this request's id: the client's X-Request-ID if it is sane, else a new random one."""
    if not has_request_context():
        return ""
    if "request_id" not in g:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(8)
    return g.request_id


def json_error(status: int, code: str, message, fields=None, extra=None):
    """Build the API's one error shape: {"error": {"code", "message", "fields", "request_id"}}."""
    body = {"error": {"code": code, "message": str(message),
                      "fields": {k: [str(m) for m in v] for k, v in (fields or {}).items()},
                      "request_id": request_id()}}
    body["error"].update(extra or {})
    return jsonify(body), status


def database_failed() -> bool:
    """Tell whether this request hit a database error (then nothing may query the database again)."""
    return has_request_context() and g.get("database_failed", False)


#: PostgreSQL's "try again" states: lock timeout, statement timeout, too many connections, shutting down.
_BUSY_SQLSTATES = {"55P03", "57014", "53300", "57P01", "57P02", "57P03"}


def is_busy(error: BaseException) -> bool:
    """Tell whether a database error means "busy, locked or unreachable: try again" (a 503)."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _BUSY_SQLSTATES or sqlstate.startswith("08")
    return isinstance(error, OperationalError) and any(
        word in str(error.orig).lower() for word in ("locked", "busy", "unable to open"))


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
    422: "validation_error", 429: "too_many_requests", 500: "internal_error",
}


def register_errorhandlers(app):
    """Answer errors as JSON under /api/ and as friendly pages elsewhere."""
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if wants_json():
            return json_error(error.status, error.code, error.message, error.fields, error.extra)
        return render_template("errors/error.html", status=error.status, message=error.message), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        # Allow on 405, Retry-After on 429/503, WWW-Authenticate on 401: keep what the error says.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        if status >= 500 or database_failed():
            return plain_error(status, error.description if status != 500 else None, headers)
        if wants_json():
            message = error.description if status not in (404, 500) else _default_message(status)
            body, status = json_error(status, _HTTP_CODES.get(status, "error"), message)
            return body, status, headers
        if status == 401:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        template = f"errors/{status}.html" if status in (403, 404, 429, 500) else "errors/error.html"
        return render_template(template, status=status, message=error.description), status, headers

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        busy = isinstance(error, DBAPIError) and is_busy(error)
        if isinstance(error, DBAPIError):
            g.database_failed = True
        _rollback()
        if not busy and _propagate():
            raise error
        if busy:
            log.warning("request %s: database busy on %s %s: %s", request_id(), request.method, request.path,
                        error.orig if isinstance(error, DBAPIError) else error)
            return plain_error(503, None, [("Retry-After", str(RETRY_AFTER_SECONDS))])
        log.error("request %s: %s %s failed", request_id(), request.method, request.path, exc_info=error)
        return plain_error(500, None, [])

    @app.before_request
    def name_the_request():
        request_id()
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()

    @app.after_request
    def tell_the_request_id(response):
        response.headers.setdefault("X-Request-ID", request_id())
        return response


def _propagate() -> bool:
    """Let exceptions reach the test client or debugger (as Flask does without this handler)."""
    setting = current_app.config.get("PROPAGATE_EXCEPTIONS")
    return setting if setting is not None else (current_app.testing or current_app.debug)


def _rollback() -> None:
    """Roll the session back without querying (a broken connection is simply dropped)."""
    from .extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the pool replaces it
        log.warning("request %s: rollback after an error failed", request_id(), exc_info=True)


def plain_error(status: int, message, headers: list):
    """Answer an error without touching the database: JSON under /api/, else a page without the user."""
    from flask_babel import gettext

    if status == 503:
        code = "database_busy"
        text = gettext("The café's system is busy. Please try again in a few seconds.")
        heading = gettext("Busy right now")
    else:
        code = _HTTP_CODES.get(status, "error")
        text = str(message) if message else _default_message(status)
        heading = gettext("Something went wrong on our side") if status == 500 else str(status)
    if wants_json():
        body, status = json_error(status, code, text)
        return body, status, headers
    from flask_babel import get_locale

    page = current_app.jinja_env.get_template("errors/plain.html").render(
        status=status, heading=heading, message=text, request_id=request_id(), locale=str(get_locale()),
        config=current_app.config)
    return page, status, [*headers, ("Content-Type", "text/html; charset=utf-8")]


def _default_message(status: int) -> str:
    from flask_babel import gettext

    if status == 404:
        return gettext("Nothing is here.")
    return gettext("Something went wrong on our side.")

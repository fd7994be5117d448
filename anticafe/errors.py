"""Errors that services raise and that both HTML views and the JSON API know how to show."""

from typing import Any, NamedTuple

from flask import jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException


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


def json_error(status: int, code: str, message, fields=None, extra=None):
    """Build the API's one error shape: {"error": {"code", "message", "fields"}}."""
    body = {"error": {"code": code, "message": str(message),
                      "fields": {k: [str(m) for m in v] for k, v in (fields or {}).items()}}}
    body["error"].update(extra or {})
    return jsonify(body), status


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
        if wants_json():
            message = error.description if status not in (404, 500) else _default_message(status)
            return json_error(status, _HTTP_CODES.get(status, "error"), message)
        if status == 401:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        template = f"errors/{status}.html" if status in (403, 404, 429, 500) else "errors/error.html"
        return render_template(template, status=status, message=error.description), status

    # Anything else becomes InternalServerError, an HTTPException, and lands above.


def _default_message(status: int) -> str:
    from flask_babel import gettext

    if status == 404:
        return gettext("Nothing is here.")
    return gettext("Something went wrong on our side.")

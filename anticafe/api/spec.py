"""Declare JSON endpoints once: access, request validation and the OpenAPI description.

    @endpoint(bp, "/events/<int:event_id>", "PATCH", access=Access.STAFF, body=EventPatch,
              response=EventOut, summary="Change an event")
    def update_event(event_id: int, body: EventPatch): ...

The view gets the validated `body` (JSON) and `query` (query string) models as keyword arguments and
returns a pydantic model, a dict or list, optionally with a status: `(value, 201)`.
`/api/v1/openapi.json` is built from the same models, so the description cannot drift.
"""

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, ValidationError

from ..auth import Access, check_access
from ..errors import json_error

API_PREFIX = "/api/v1"


@dataclass
class EndpointSpec:
    """What the OpenAPI document says about one endpoint."""

    rule: str
    method: str
    summary: str
    access: Access
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    #: (status, code, description) of the refusals the endpoint may answer
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    tag: str | None = None
    description: str | None = None


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """Make a blueprint whose routes live under /api/v1."""
    return Blueprint(name, import_name, url_prefix=API_PREFIX)


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for item in error.errors():
        loc = ".".join(str(p) for p in item["loc"]) or "body"
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, "):]
        fields.setdefault(loc, []).append(message)
    return fields


class RequestInvalid(Exception):
    """Raised when a body or query string does not match its model."""

    def __init__(self, fields):
        super().__init__("invalid request")
        self.fields = fields


def parse_body(model: type[BaseModel]):
    """Validate the JSON body against `model`; raise RequestInvalid."""
    data = request.get_json(silent=True)
    if data is None:
        if request.content_length:
            raise RequestInvalid({"body": ["The body must be JSON."]})
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise RequestInvalid(_field_errors(error)) from None


def parse_query(model: type[BaseModel]):
    """Validate the query string against `model`."""
    data = {key: values if len(values) > 1 else values[0] for key, values in request.args.lists()}
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise RequestInvalid(_field_errors(error)) from None


def to_json(value: Any):
    """Serialize a view's result: pydantic models, lists of them, dicts."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def endpoint(bp: Blueprint, rule: str, method: str = "GET", *, summary: str, access: Access = Access.USER,
             body: type[BaseModel] | None = None, query: type[BaseModel] | None = None, response: Any = None,
             status: int = 200, errors: list[tuple[int, str, str]] | None = None, tag: str | None = None):
    """Register a JSON endpoint on `bp` (an `api_blueprint`) and describe it for OpenAPI."""

    def decorator(view):
        spec = EndpointSpec(rule=rule, method=method, summary=summary, access=access, body=body, query=query,
                            response=response, status=status, errors=list(errors or []),
                            tag=tag or bp.name.removesuffix("_api"), description=(view.__doc__ or "").strip())

        @wraps(view)
        def wrapper(**kwargs):
            check_access(access)
            try:
                if query is not None:
                    kwargs["query"] = parse_query(query)
                if body is not None:
                    kwargs["body"] = parse_body(body)
            except RequestInvalid as invalid:
                from flask_babel import gettext

                return json_error(422, "validation_error", gettext("Please correct the marked fields."),
                                  invalid.fields)
            result = view(**kwargs)
            if isinstance(result, Response):
                return result
            code = status
            if isinstance(result, tuple):
                result, code = result
            return jsonify(to_json(result)), code

        wrapper.api_spec = spec
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return wrapper

    return decorator


# ----------------------------------------------------------------------------------------------
# The OpenAPI document

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_PARAM_TYPES = {"int": {"type": "integer"}, "string": {"type": "string"}, None: {"type": "string"},
                "path": {"type": "string"}, "float": {"type": "number"}}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "fields"],
        "properties": {
            "code": {"type": "string", "description": "snake_case reason"},
            "message": {"type": "string", "description": "human text in the request's language"},
            "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
    }},
}


def _schema_ref(model, components: dict) -> dict:
    """Put `model`'s JSON schema (and its nested definitions) into components; return a $ref."""
    if isinstance(model, dict):
        return model
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="serialization")
    return _component(model, schema, components)


def _input_ref(model, components: dict) -> dict:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation")
    return _component(model, schema, components)


def _component(model, schema: dict, components: dict) -> dict:
    """Add a model's schema under its class name; when two domains use one name (the door's and the
    bookings' `CheckInIn`), the later one is named after its domain (`DoorCheckInIn`) instead of
    silently taking the other's schema."""
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    name = model.__name__
    if components.get(name, schema) != schema:
        name = model.__module__.split(".")[1].capitalize() + name
    components.setdefault(name, schema)
    return {"$ref": f"#/components/schemas/{name}"}


def api_specs(app) -> list[tuple[Any, EndpointSpec | None]]:
    """Return (url rule, spec or None) for every route under the API prefix."""
    found = []
    for url_rule in app.url_map.iter_rules():
        if not url_rule.rule.startswith(API_PREFIX + "/"):
            continue
        view = app.view_functions[url_rule.endpoint]
        found.append((url_rule, getattr(view, "api_spec", None)))
    return found


def build_openapi(app) -> dict:
    """Build the OpenAPI 3.1 document of every declared endpoint."""
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}
    for url_rule, spec in sorted(api_specs(app), key=lambda pair: pair[0].rule):
        if spec is None:
            continue
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", url_rule.rule)
        operation: dict[str, Any] = {
            "operationId": url_rule.endpoint.replace(".", "_"),
            "summary": spec.summary,
            "tags": [spec.tag],
            "parameters": [
                {"name": m.group(2), "in": "path", "required": True, "schema": _PARAM_TYPES.get(m.group(1),
                                                                                             {"type": "string"})}
                for m in _CONVERTER.finditer(url_rule.rule)
            ],
            "responses": {},
        }
        if spec.description:
            operation["description"] = spec.description
        if spec.access is not Access.PUBLIC:
            operation["security"] = [{"bearer": []}, {"session": []}]
            operation["x-roles"] = sorted(role.value for role in spec.access.value)
        if spec.query is not None:
            schema = spec.query.model_json_schema()
            required = set(schema.get("required", []))
            for name, prop in schema.get("properties", {}).items():
                operation["parameters"].append({"name": name, "in": "query", "required": name in required,
                                                "schema": prop})
        if spec.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": _input_ref(spec.body, components)}}}
        ok: dict[str, Any] = {"description": "OK"}
        if spec.response is not None:
            ok["content"] = {"application/json": {"schema": _response_schema(spec.response, components)}}
        operation["responses"][str(spec.status)] = ok
        refusals: dict[int, list[str]] = {}
        for status, code, text in spec.errors:
            refusals.setdefault(status, []).append(f"`{code}`: {text}")
        if spec.body is not None or spec.query is not None:
            refusals.setdefault(422, []).append("`validation_error`: the input does not match the schema")
        if spec.access is not Access.PUBLIC:
            refusals.setdefault(401, []).append("`unauthorized`: log in or send a bearer token")
            if spec.access is not Access.USER:
                refusals.setdefault(403, []).append("`forbidden`: the role may not do this")
        for status, lines in sorted(refusals.items()):
            operation["responses"][str(status)] = {
                "description": "; ".join(lines),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        paths.setdefault(path, {})[spec.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Anticafe API", "version": "1",
                 "description": "JSON API of the Anticafe youth anti-café. Errors always have the shape "
                                "{\"error\": {\"code\", \"message\", \"fields\"}}."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "A token from POST /api/v1/auth/token"},
                "session": {"type": "apiKey", "in": "cookie", "name": current_app.config.get(
                    "SESSION_COOKIE_NAME", "session"), "description": "The browser session (send X-CSRFToken)"},
            },
        },
    }


def _response_schema(response, components: dict) -> dict:
    if isinstance(response, dict):
        return response
    if isinstance(response, list) and len(response) == 1:
        return {"type": "array", "items": _response_schema(response[0], components)}
    return _schema_ref(response, components)

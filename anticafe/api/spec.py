"""Declare JSON endpoints once: access, request validation and the OpenAPI description.

    @endpoint(bp, "/events/<int:event_id>", "PATCH", access=Access.STAFF, body=EventPatch,
              response=EventOut, summary="Change an event")
    def update_event(event_id: int, body: EventPatch): ...

The view gets the validated `body` (JSON) and `query` (query string) models as keyword arguments and
returns a pydantic model, a dict or list, optionally with a status: `(value, 201)`.
`/api/v1/openapi.json` is built from the same models, so the description cannot drift.
"""

import json
import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.json_schema import models_json_schema
from werkzeug.exceptions import RequestEntityTooLarge

from .. import limits
from ..auth import Access, check_access
from ..errors import json_error
from ..inputs import limit_errors

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
    #: what the answer is: JSON, or e.g. ("image/png", "image/svg+xml") for a picture
    media_types: tuple[str, ...] = ("application/json",)


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
    """Validate the JSON body against `model` and the app's limits; raise RequestInvalid."""
    if (request.content_length or 0) > limits.JSON_MAX_BYTES:
        raise RequestEntityTooLarge(f"A JSON body may have at most {limits.JSON_MAX_BYTES} bytes.")
    data = request.get_json(silent=True)
    if data is None:
        if request.content_length or request.get_data(cache=True):
            raise RequestInvalid({"body": ["The body must be JSON (at most "
                                           f"{limits.JSON_MAX_DEPTH} levels deep)."]})
        data = {}
    return _validate(model, data)


def parse_query(model: type[BaseModel]):
    """Validate the query string against `model` and the app's limits."""
    data = {key: values if len(values) > 1 else values[0] for key, values in request.args.lists()}
    return _validate(model, data)


def _validate(model: type[BaseModel], data):
    try:
        parsed = model.model_validate(data)
    except ValidationError as error:
        raise RequestInvalid(_field_errors(error)) from None
    except RecursionError:
        raise RequestInvalid({"body": ["The body is nested too deep."]}) from None
    fields = limit_errors(parsed)
    if fields:
        raise RequestInvalid(fields)
    return parsed


def to_json(value: Any):
    """Serialize a view's result: pydantic models, lists of them, dicts."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def _model_of(response) -> Any:
    """Return the pydantic type a declared response stands for (Model or [Model]), or None."""
    if isinstance(response, type) and issubclass(response, BaseModel):
        return response
    if isinstance(response, list) and len(response) == 1 and _model_of(response[0]) is not None:
        return list[_model_of(response[0])]
    return None


_ADAPTERS: dict[Any, TypeAdapter] = {}


def serialize(result: Any, response: Any = None):
    """Turn a view's result into JSON, through its declared response model when it has one.

    A view may return dicts; passing them through the model checks that the answer is what the
    OpenAPI document says (a mismatch fails loudly in the tests instead of reaching clients).
    """
    model = _model_of(response)
    if model is None or isinstance(result, BaseModel):
        return to_json(result)
    adapter = _adapter(model)
    return adapter.dump_python(adapter.validate_python(result, from_attributes=True), mode="json", exclude_unset=True)


def _adapter(model) -> TypeAdapter:
    key = repr(model)
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        adapter = _ADAPTERS[key] = TypeAdapter(model)
    return adapter


def serialize_json(result: Any, response: Any = None) -> bytes | None:
    """The JSON text of a view's result, written by pydantic straight from the declared model, or None
    when the result has no model to be written through (the caller then uses `serialize`).

    Same content as `serialize` (the model checks the answer the same way), without going through
    Python dicts and Flask's `json.dumps`: keys in the model's order, non-ASCII as UTF-8.
    """
    if isinstance(result, BaseModel):
        return result.model_dump_json().encode()
    model = _model_of(response)
    if model is None:
        return None
    adapter = _adapter(model)
    return adapter.dump_json(adapter.validate_python(result, from_attributes=True), exclude_unset=True)


def endpoint(bp: Blueprint, rule: str, method: str = "GET", *, summary: str, access: Access = Access.USER,
             body: type[BaseModel] | None = None, query: type[BaseModel] | None = None, response: Any = None,
             status: int = 200, errors: list[tuple[int, str, str]] | None = None, tag: str | None = None,
             media_types: tuple[str, ...] = ("application/json",)):
    """Register a JSON endpoint on `bp` (an `api_blueprint`) and describe it for OpenAPI."""

    def decorator(view):
        spec = EndpointSpec(rule=rule, method=method, summary=summary, access=access, body=body, query=query,
                            response=response, status=status, errors=list(errors or []),
                            tag=tag or bp.name.removesuffix("_api"), description=(view.__doc__ or "").strip(),
                            media_types=media_types)

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
            # An answer other than the declared success (a view's own refusal) keeps its shape.
            declared = response if code == status else None
            text = serialize_json(result, declared)
            if text is None:
                return jsonify(serialize(result, declared)), code
            return current_app.response_class(text, status=code, mimetype="application/json")

        wrapper.api_spec = spec
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return wrapper

    return decorator


# ----------------------------------------------------------------------------------------------
# The OpenAPI document

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
REF_TEMPLATE = "#/components/schemas/{model}"
_QUALIFIED = re.compile(r"anticafe__(\w+?)__schemas__(\w+)")
_PARAM_TYPES = {"int": {"type": "integer", "minimum": 0, "maximum": limits.DB_INT_MAX},
                "string": {"type": "string"}, None: {"type": "string"},
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
            "request_id": {"type": "string", "description": "names this request in the server's log"},
        },
    }},
}


def api_specs(app) -> list[tuple[Any, EndpointSpec | None]]:
    """Return (url rule, spec or None) for every route under the API prefix."""
    found = []
    for url_rule in app.url_map.iter_rules():
        if not url_rule.rule.startswith(API_PREFIX + "/"):
            continue
        view = app.view_functions[url_rule.endpoint]
        found.append((url_rule, getattr(view, "api_spec", None)))
    return found


def _models_of(response) -> list:
    if isinstance(response, type) and issubclass(response, BaseModel):
        return [response]
    if isinstance(response, list):
        return [m for item in response for m in _models_of(item)]
    return []


def _all_schemas(specs: list[EndpointSpec]) -> tuple[dict, dict]:
    """Generate every model's schema in one go, so that names are unique across the whole document.

    Two models with the same class name in two domains (door's and visits' `CheckInIn`) get distinct
    component names; nested models become components too, so no reference dangles.
    """
    pairs = set()
    for spec in specs:
        for model in (spec.body, spec.query):
            if model is not None:
                pairs.add((model, "validation"))
        for model in _models_of(spec.response):
            pairs.add((model, "serialization"))
    ordered = sorted(pairs, key=lambda pair: (pair[0].__module__, pair[0].__qualname__, pair[1]))
    refs, top = models_json_schema(ordered, ref_template=REF_TEMPLATE)
    # Pydantic names a clash "anticafe__door__schemas__CheckInIn"; say "DoorCheckInIn".
    text = json.dumps([list(refs.items()), top.get("$defs", {})], default=lambda o: None)
    text = _QUALIFIED.sub(lambda m: m.group(1).title() + m.group(2), text)
    items, definitions = json.loads(text)
    return {key: value for key, (_, value) in zip(refs, items, strict=True)}, definitions


def _tidy(node):
    """Make pydantic's schema fragments say what the JSON holds: "HH:MM:SS" times have no offset."""
    if isinstance(node, dict):
        if node.get("format") == "time" and node.get("type") == "string":
            node = {k: v for k, v in node.items() if k != "format"}
            node["pattern"] = r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
        return {k: _tidy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_tidy(v) for v in node]
    return node


#: Answers any endpoint may give, beyond those it declares.
COMMON_REFUSALS = [(503, "database_busy", "the database is busy; try again after `Retry-After` seconds")]


def build_openapi(app) -> dict:
    """Build the OpenAPI 3.1 document of every declared endpoint."""
    declared = sorted(((rule, spec) for rule, spec in api_specs(app) if spec is not None),
                      key=lambda pair: (pair[0].rule, pair[1].method))
    refs, definitions = _all_schemas([spec for _, spec in declared])
    components: dict[str, Any] = {"Error": ERROR_SCHEMA, **definitions}
    paths: dict[str, dict] = {}
    for url_rule, spec in declared:
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", url_rule.rule)
        operation: dict[str, Any] = {
            "operationId": url_rule.endpoint.replace(".", "_"),
            "summary": spec.summary,
            "tags": [spec.tag],
            "parameters": [
                {"name": m.group(2), "in": "path", "required": True,
                 "schema": _PARAM_TYPES.get(m.group(1), {"type": "string"})}
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
            schema = _resolve(refs[(spec.query, "validation")], components)
            required = set(schema.get("required", []))
            for name, prop in schema.get("properties", {}).items():
                operation["parameters"].append({"name": name, "in": "query", "required": name in required,
                                                "schema": prop})
        if spec.body is not None:
            operation["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": refs[(spec.body, "validation")]}}}
        ok: dict[str, Any] = {"description": "OK"}
        if spec.response is not None:
            schema = _response_schema(spec.response, refs)
            ok["content"] = {media_type: {"schema": schema} for media_type in spec.media_types}
        operation["responses"][str(spec.status)] = ok
        refusals: dict[int, list[str]] = {}
        for status, code, text in [*spec.errors, *COMMON_REFUSALS]:
            refusals.setdefault(status, []).append(f"`{code}`: {text}")
        if _CONVERTER.search(url_rule.rule):
            refusals.setdefault(404, []).append("`not_found`: no such thing (or not yours)")
        if spec.body is not None:
            refusals.setdefault(413, []).append(f"`payload_too_large`: a body of more than {limits.JSON_MAX_BYTES}"
                                                " bytes")
        if spec.body is not None or spec.query is not None:
            refusals.setdefault(422, []).append("`validation_error`: the input does not match the schema or "
                                                "breaks the app's limits (dates, numbers, text)")
        if spec.access is not Access.PUBLIC:
            refusals.setdefault(401, []).append("`unauthorized`: log in or send a bearer token")
            if spec.access is not Access.USER:
                refusals.setdefault(403, []).append("`forbidden`: the role may not do this")
        for status, lines in sorted(refusals.items()):
            operation["responses"][str(status)] = {
                "description": "; ".join(dict.fromkeys(lines)),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            if status == 503:
                operation["responses"]["503"]["headers"] = {
                    "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}
        paths.setdefault(path, {})[spec.method.lower()] = operation
    return _tidy({
        "openapi": "3.1.0",
        "info": {"title": "Anticafe API", "version": "1",
                 "description": "JSON API of the Anticafe youth anti-café. Errors always have the shape "
                                "{\"error\": {\"code\", \"message\", \"fields\", \"request_id\"}}. "
                                "Dates and times are ISO 8601. Limits: dates from 2000 to ten years ahead "
                                "(birth dates from 1900 to today), whole numbers within ±2^31, amounts "
                                "up to a million rubles, text without control characters, JSON at most "
                                f"{limits.JSON_MAX_DEPTH} levels deep and {limits.JSON_MAX_BYTES} bytes."},
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
    })


def _resolve(schema: dict, components: dict) -> dict:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return components[ref.rsplit("/", 1)[1]]
    return schema


def _response_schema(response, refs: dict) -> dict:
    if isinstance(response, dict):
        return response
    if isinstance(response, list) and len(response) == 1:
        return {"type": "array", "items": _response_schema(response[0], refs)}
    return refs[(response, "serialization")]

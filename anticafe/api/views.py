"""The API's own routes: the OpenAPI document."""

from flask import jsonify

from ..auth import Access
from .spec import api_blueprint, build_openapi, endpoint

bp = api_blueprint("api", __name__)


@endpoint(bp, "/openapi.json", summary="This API's OpenAPI 3.1 description", access=Access.PUBLIC,
          response={"type": "object"})
def openapi():
    """Describe every endpoint, generated from the models that validate requests."""
    from flask import current_app

    return jsonify(build_openapi(current_app))

"""The JSON API under /api/v1: conventions, authentication and the OpenAPI document.

Each domain declares its endpoints in its own `api.py` with `api.spec.endpoint`.
"""

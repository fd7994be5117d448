"""Links: the one way to build a page's path or an absolute URL, in a request or outside one."""

from flask import current_app, has_request_context, request, url_for

#: The base of absolute URLs outside a request when `PUBLIC_BASE_URL` is not set (CLI commands, tests).
FALLBACK_BASE = "http://127.0.0.1:5000"


def site_path(endpoint: str, **values) -> str:
    """Return the path of a page, also outside a request (CLI commands, background work)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def base_url() -> str:
    """Return where the site lives: `PUBLIC_BASE_URL` when set, else the request's host (no trailing slash)."""
    base = current_app.config.get("PUBLIC_BASE_URL") or ""
    if not base:
        base = request.host_url if has_request_context() else FALLBACK_BASE
    return base.rstrip("/")


def absolute(path: str | None) -> str | None:
    """Make an in-site path absolute (links that leave the site: emails, QR codes, calendar apps)."""
    if not path or "://" in path:
        return path
    return base_url() + path


def public_url(endpoint: str, **values) -> str:
    """Return a page's absolute URL: `PUBLIC_BASE_URL` when set, else the request's host."""
    return absolute(site_path(endpoint, **values))

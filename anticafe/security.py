"""HTTP security headers and the production secret-key check."""

from flask import Flask

from config import DEV_SECRET_KEY

#: Only the app's own scripts and styles; camera streams and QR images from the page itself.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def check_secret_key(app: Flask) -> None:
    """Refuse to start in production with a missing or default secret key."""
    key = app.config.get("SECRET_KEY")
    if app.config.get("ENV_NAME") == "production" and (not key or key == DEV_SECRET_KEY or len(key) < 16):
        raise RuntimeError("SECRET_KEY must be set (16+ characters) in production: export SECRET_KEY=... "
                           "or put it in instance/config.py")


def register_security_headers(app: Flask) -> None:
    """Add the security headers to every response.

    Every dynamic answer that says nothing about caching gets `Cache-Control: no-store`: pages, QR
    images and API answers may show a person, and a shared door phone's back button or disk cache must
    not bring them back. Answers that choose their own caching (static files, calendar feeds) keep it;
    API answers are `no-store` whatever they said.
    """

    fixed = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
             ("Referrer-Policy", "same-origin"),
             ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")]
    if app.config.get("ENV_NAME") == "production" and app.config.get("HSTS_SECONDS"):
        fixed.insert(0, ("Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"))
    lowered = frozenset(name.lower() for name, _ in fixed)

    @app.after_request
    def add_headers(response):
        # Every request passes here: the values are said once, and one pass over the response's own
        # headers (a handful) finds those it set itself, instead of one lookup per header.
        from flask import request

        headers = response.headers
        present = {key.lower() for key in headers.keys()}
        if "cache-control" not in present or request.path.startswith("/api/"):
            headers["Cache-Control"] = "no-store"
        if present.isdisjoint(lowered):
            headers.extend(fixed)
        else:
            headers.extend([(name, value) for name, value in fixed if name.lower() not in present])
        return response

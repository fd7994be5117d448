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

    @app.after_request
    def add_headers(response):
        from flask import request

        if "Cache-Control" not in response.headers or request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("ENV_NAME") == "production" and app.config.get("HSTS_SECONDS"):
            response.headers.setdefault("Strict-Transport-Security",
                                        f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        return response

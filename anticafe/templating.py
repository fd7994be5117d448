"""Template helpers: the one way a domain (or the factory) gives its templates functions and labels.

Per-request values (the unread count, the current locale) stay context processors; helpers do not.
"""

from flask import Blueprint


def template_helpers(target, *, filters: dict | None = None, **helpers) -> None:
    """Register template globals and filters on the app, or on a blueprint (app-wide once it is registered).

    Globals rather than context processors, so that imported macros see them too.
    """
    on_blueprint = isinstance(target, Blueprint)
    for name, value in helpers.items():
        if on_blueprint:
            target.add_app_template_global(value, name)
        else:
            target.add_template_global(value, name)
    for name, function in (filters or {}).items():
        if on_blueprint:
            target.add_app_template_filter(function, name)
        else:
            target.add_template_filter(function, name)

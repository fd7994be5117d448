"""Roles and the one permission check every view and API endpoint uses."""

import enum
from functools import wraps

from flask import abort
from flask_login import current_user


class Role(enum.StrEnum):
    """What a person may do: visitors browse and register, staff run the café, the committee reads stats."""

    VISITOR = "visitor"
    STAFF = "staff"
    COMMITTEE = "committee"
    ADMIN = "admin"


class Access(enum.Enum):
    """Who may open a page or call an endpoint."""

    PUBLIC = frozenset()
    USER = frozenset(Role)
    STAFF = frozenset({Role.STAFF, Role.ADMIN})
    COMMITTEE = frozenset({Role.COMMITTEE, Role.ADMIN})
    ADMIN = frozenset({Role.ADMIN})

    def allows(self, user) -> bool:
        """Tell whether `user` (possibly anonymous) may pass."""
        if self is Access.PUBLIC:
            return True
        return bool(user.is_authenticated) and user.role in self.value


def check_access(access: Access) -> None:
    """Abort with 401 for anonymous and 403 for a wrong role; do nothing if allowed."""
    if access is Access.PUBLIC:
        return
    if not current_user.is_authenticated:
        abort(401)
    if current_user.role not in access.value:
        abort(403)


def require(access: Access):
    """Decorate a view so that only `access` may call it."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            check_access(access)
            return view(*args, **kwargs)

        wrapper.access = access
        return wrapper

    return decorator


def guard_blueprint(bp, access: Access) -> None:
    """Require `access` for every view of a blueprint."""

    @bp.before_request
    def _guard():
        check_access(access)


def has_role(*roles: Role) -> bool:
    """Tell whether the current user holds one of `roles` (for templates and views)."""
    return bool(current_user.is_authenticated) and current_user.role in roles

"""The declared access table: who may call which route. Each domain lists its routes in its own module.

A rule is `Rule(endpoint, Access.X, method="GET", args={...})`. `tests/web/test_access.py` walks
every route of the app for anonymous, visitor, staff, committee and admin and checks each against
this table; a route without a rule fails the test.
"""

from dataclasses import dataclass, field
from importlib import import_module
from pkgutil import iter_modules

from anticafe.auth import Access


@dataclass(frozen=True)
class Rule:
    endpoint: str
    access: Access
    method: str = "GET"
    #: URL values for the route's variables (objects need not exist: allowed roles may get 404)
    args: dict = field(default_factory=dict)


def all_rules() -> dict[tuple[str, str], Rule]:
    """Collect the rules of every module in this package, keyed by (endpoint, method)."""
    rules: dict[tuple[str, str], Rule] = {}
    for info in iter_modules(__path__):
        module = import_module(f"{__name__}.{info.name}")
        for rule in getattr(module, "RULES", []):
            key = (rule.endpoint, rule.method)
            assert key not in rules, f"two access rules for {key}"
            rules[key] = rule
    return rules

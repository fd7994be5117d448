"""A fuzzer over the OpenAPI description: no 5xx, and every answer matches what the description declares.

Schemathesis generates requests from `/api/v1/openapi.json` for every operation a role may call,
sends them through the WSGI app, and checks each answer: not a server error, a documented status,
the documented content type, and a body that validates against the documented schema.
Bounded: `FUZZ_EXAMPLES` examples an operation (25 by default; `ANTICAFE_FUZZ_EXAMPLES` changes it),
half of them valid for the schema and half not (which must be refused with a documented 4xx).
On PostgreSQL the staff and committee operations get a fifth of that (the suite's time).
"""

import os
from decimal import Decimal

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from anticafe.api.spec import build_openapi
from anticafe.extensions import db

FUZZ_EXAMPLES = int(os.environ.get("ANTICAFE_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
ROLES = ["anonymous", "visitor", "staff", "committee"]


def _seed(make_user, make_event, make_zone):
    """A few rows so that small ids point somewhere and lists are not empty."""
    from anticafe.passes.models import PassType

    users = {role: make_user(role) for role in ("visitor", "staff", "committee", "admin")}
    make_event()
    make_zone(price_per_hour=Decimal("300"))
    db.session.add(PassType(name="10 часов", kind="package", minutes=600, validity_days=60, price=Decimal("1500")))
    db.session.commit()
    return users


def _may_call(operation, role: str) -> bool:
    roles = operation.definition.raw.get("x-roles")
    if roles is None:
        return True
    return role != "anonymous" and role in roles


def _describe(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, BaseExceptionGroup):
        text = "\n".join(str(e)[:800] for e in error.exceptions)
    return text[:2000]


def _fuzz(app, headers: dict, role: str, examples: int):
    schema = schemathesis.openapi.from_dict(build_openapi(app))
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not _may_call(operation, role):
            continue

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(drawn=st.one_of(*(st.tuples(st.just(mode), operation.as_strategy(generation_mode=mode))
                                 for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))))
        def run(drawn):
            mode, case = drawn
            response = case.call(app=app, headers=headers)
            db.session.rollback()
            if mode is GenerationMode.NEGATIVE and response.status_code in (404, 405):
                # A path parameter that is not an id may name another route ("/registrations/mine").
                assert "error" in response.json()
                return
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # collect every operation's failure, then report
            failures.append(f"{operation.label}: {_describe(error)}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_fuzz_the_api(app, make_user, make_event, make_zone, token_for, role, backend):
    users = _seed(make_user, make_event, make_zone)
    headers = {} if role == "anonymous" else token_for(users[role])
    # PostgreSQL: the public and visitor operations in full, staff and committee as a smoke run (time).
    examples = FUZZ_EXAMPLES if backend == "sqlite" or role in ("anonymous", "visitor") else max(FUZZ_EXAMPLES // 5, 1)
    _fuzz(app, headers, role, examples)

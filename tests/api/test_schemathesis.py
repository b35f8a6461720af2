"""Schemathesis against the API's schema (the one /api/schema/ serves: tests/api/test_docs.py checks they are the
same): every operation, signed in (by token) as each role, must answer
without a server error, with a status code the schema lists and a body that matches it.

Run it on its own: ``CRM_VAR_DIR=/tmp/var .venv/bin/pytest -p no:logging -n 0 -m slow tests/api/test_schemathesis.py``
(and with ``DATABASE_URL=postgres://...`` for PostgreSQL). Examples are derandomized, so a run is repeatable.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from complaints.services import attachment_add
from complaints.workflow import Step
from crm_site.api.services import api_token_create
from tests.complaints.factories import ComplaintFactory, png_upload, submit_plan, walk_to
from tests.customers.factories import VisitPlanFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = WSGIHandler()
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def role_headers(users_by_role, customer, frontline, settings):
    """A token per role, and some rows the generated ids can hit (the database numbers them from 1)."""
    rest = dict(settings.REST_FRAMEWORK)
    rest["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(rest["DEFAULT_THROTTLE_RATES"])
    settings.REST_FRAMEWORK = rest  # hundreds of requests a minute: the throttles are tested elsewhere
    complaint = walk_to(ComplaintFactory(actor=frontline, customer=customer), Step.ACTION, actor=frontline)
    submit_plan(complaint, frontline)
    attachment_add(actor=frontline, complaint_id=complaint.pk, uploaded=png_upload())  # a file to download
    ComplaintFactory(actor=frontline, customer=customer)
    VisitPlanFactory(customer=customer, owner=frontline)
    headers = {
        role: {"Authorization": f"Token {api_token_create(actor=user, name='st')[1]}"}
        for role, user in users_by_role.items()
    }
    # The app runs in this thread, inside the test's transaction: it must not close the connection after a request
    # (Django's test client does the same).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield headers
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_schema_for_every_role(case, role_headers):
    for headers in role_headers.values():
        case.call_and_validate(headers=headers, checks=CHECKS)

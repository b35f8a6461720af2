import pytest
from rest_framework.test import APIClient

from complaints.workflow import Step
from crm_site.org.roles import Role
from tests.complaints.factories import ComplaintFactory, submit_plan, walk_to
from tests.factories import staff


def api_client(user=None) -> APIClient:
    """Signed in by session (as the docs page's requests are); ``None``: nobody."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def manager_other(other_branch):
    return staff(Role.MANAGER, other_branch, username="manager2")


@pytest.fixture
def complaint(frontline, customer):
    """Branch A's complaint (the ``branch`` fixture), at Listen."""
    return ComplaintFactory(actor=frontline, customer=customer)


@pytest.fixture
def action_complaint(frontline, customer):
    """Branch A's complaint at Action, with a plan waiting for the manager."""
    complaint = walk_to(ComplaintFactory(actor=frontline, customer=customer), Step.ACTION, actor=frontline)
    plan = submit_plan(complaint, frontline)
    complaint.refresh_from_db()
    return complaint, plan

import pytest
from django.conf import settings
from django.utils import translation

from crm_site.org.roles import Role

from .factories import BranchFactory, CustomerFactory, staff


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in Chinese leaves Chinese active in the thread."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def branch(db):
    return BranchFactory(code="BJ", name="Beijing 北京")


@pytest.fixture
def other_branch(db):
    return BranchFactory(code="SH", name="Shanghai 上海")


@pytest.fixture
def frontline(branch):
    return staff(Role.FRONTLINE, branch, username="frontline")


@pytest.fixture
def frontline_other(other_branch):
    return staff(Role.FRONTLINE, other_branch, username="frontline2")


@pytest.fixture
def manager(branch):
    return staff(Role.MANAGER, branch, username="manager")


@pytest.fixture
def gm(db):
    return staff(Role.GENERAL_MANAGER, None, username="gm")


@pytest.fixture
def admin_user(db):
    return staff(Role.ADMIN, None, username="admin", is_staff=True)


@pytest.fixture
def users_by_role(frontline, manager, gm, admin_user):
    return {Role.FRONTLINE: frontline, Role.MANAGER: manager, Role.GENERAL_MANAGER: gm, Role.ADMIN: admin_user}


@pytest.fixture
def customer(branch):
    return CustomerFactory(branch=branch, name="王伟")


@pytest.fixture
def other_customer(other_branch):
    return CustomerFactory(branch=other_branch, name="Emma Smith")

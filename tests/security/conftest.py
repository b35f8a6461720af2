"""One small company in two branches, built once per test module and rolled back after it.

Branch A and branch B each have a front-line clerk, a manager, a customer with a contact and a visit plan, a
complaint at the Action step with a pending plan and a remedy, an attachment, and an import batch of their
manager. Branch B also handles a complaint of branch A's customer (intake is company-wide), so branch B's staff
may read that customer, never change it or see its phone. A second clerk and a second manager of branch A, a
clerk without a branch, a user without a role and a deactivated manager fill in the matrix's corners.

The world is written inside one transaction that the module's end rolls back; each test runs in a savepoint of
its own (``rollback``), so a test that changes something leaves the next one the same world.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from complaints.models import Complaint, PlanStatus, Remedy, ResolutionPlan
from complaints.workflow import Step
from crm_site.api.services import api_token_create
from crm_site.exports.models import ExportAudit
from crm_site.models import WorkerProbe
from crm_site.notifications.models import Notification
from crm_site.org.roles import Role
from crm_site.services import worker_probe_answer
from customers.models import Customer, ImportBatch
from intake.models import InboundMail
from intake.tokens import status_token
from reports.models import CorrectiveAction
from satisfaction.models import Campaign, Dimension, Invitation, Response, SurveyItem, SurveyTemplate
from satisfaction.services import AnswerData, _response_write, _token_for, token_hash
from tests.complaints.factories import (
    ComplaintFactory,
    RemedyFactory,
    ResolutionPlanFactory,
    png_upload,
    submit_plan,
    walk_to,
)
from tests.customers.factories import ContactFactory, VisitPlanFactory
from tests.factories import BranchFactory, CustomerFactory, UserFactory, staff

# The people the URL walk tries every page as ("anonymous": nobody signed in).
WALK_USERS = ["anonymous", "frontline_a", "frontline_b", "manager_a", "manager_b", "gm", "admin"]

# Phones chosen so that no other text on a page can contain their digits by chance.
PHONES = {
    "customer_a": "13811470258",
    "customer_a2": "13811470369",
    "customer_b": "13922580147",
    "customer_b2": "13922580369",
    "contact_a": "13733690258",
    "contact_a2": "13755690369",
    "contact_b": "13744690147",
}
CSRF_SECRET = "securitytestcsrfsecret0123456789"  # 32 letters and digits: a valid unmasked CSRF secret


@dataclass
class World:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def user(self, name: str):
        return None if name == "anonymous" else self.users[name]

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


def _classified(customer: Customer, value: str) -> Customer:
    """Give the customer a place in the value matrix, so the matrix page draws it."""
    Customer.objects.filter(pk=customer.pk).update(
        quadrant="high", tier="A", current_value=Decimal(value), potential_score=Decimal("8")
    )
    customer.refresh_from_db()
    return customer


def _action_complaint(*, customer, clerk, words: str) -> tuple[Complaint, ResolutionPlan, Remedy]:
    """A complaint walked to Action by ``clerk``, with an attachment and a plan waiting for the manager."""
    complaint = ComplaintFactory(actor=clerk, customer=customer, customer_words=words, files=[png_upload()])
    complaint = walk_to(complaint, Step.ACTION, actor=clerk)
    plan = submit_plan(complaint, clerk, amounts=("100",))
    assert plan.status == PlanStatus.PENDING_MANAGER
    return complaint, plan, plan.remedies.get()


def build_world() -> World:
    w = World()
    branch_a = BranchFactory(code="SA", name="Branch Alpha")
    branch_b = BranchFactory(code="SB", name="Branch Bravo")
    u = w.users
    u["frontline_a"] = staff(Role.FRONTLINE, branch_a, username="frontline_a")
    u["frontline_a2"] = staff(Role.FRONTLINE, branch_a, username="frontline_a2")
    u["frontline_b"] = staff(Role.FRONTLINE, branch_b, username="frontline_b")
    # A leftover staff flag does not open the configuration pages: the policy (config.use) does.
    u["manager_a"] = staff(Role.MANAGER, branch_a, username="manager_a", is_staff=True)
    u["manager_a2"] = staff(Role.MANAGER, branch_a, username="manager_a2")
    u["manager_b"] = staff(Role.MANAGER, branch_b, username="manager_b")
    u["gm"] = staff(Role.GENERAL_MANAGER, None, username="gm")
    u["admin"] = staff(Role.ADMIN, None, username="admin", is_staff=True)
    u["frontline_nobranch"] = staff(Role.FRONTLINE, None, username="frontline_nobranch")
    u["norole"] = UserFactory(username="norole")
    u["inactive_manager"] = staff(Role.MANAGER, branch_a, username="inactive_manager", is_active=False)
    u["admin2"] = staff(Role.ADMIN, None, username="admin2", is_staff=True)
    u["root"] = UserFactory(username="root", is_superuser=True, is_staff=True)

    o = w.objects
    o["branch_a"], o["branch_b"] = branch_a, branch_b
    # Logins, as objects of the login.* rules.
    for name in ("frontline_a", "admin", "admin2", "root"):
        o[f"login_{name}"] = u[name]
    o["customer_a"] = _classified(
        CustomerFactory(
            branch=branch_a,
            name="Alice Ashdown",
            code="CA0001",
            phone=PHONES["customer_a"],
            account_manager=u["frontline_a"],
        ),
        "5000",
    )
    o["customer_a2"] = _classified(
        CustomerFactory(branch=branch_a, name="Arthur Applewood", code="CA0002", phone=PHONES["customer_a2"]), "3000"
    )
    o["customer_b"] = _classified(
        CustomerFactory(
            branch=branch_b,
            name="Bruno Brightwater",
            code="CB0001",
            phone=PHONES["customer_b"],
            account_manager=u["frontline_b"],
        ),
        "6000",
    )
    # Branch B's customer whose account manager is branch A's clerk (say, before a move between branches).
    o["customer_b2"] = _classified(
        CustomerFactory(
            branch=branch_b,
            name="Beatrix Blackmoor",
            code="CB0002",
            phone=PHONES["customer_b2"],
            account_manager=u["frontline_a"],
        ),
        "4000",
    )
    o["contact_a"] = ContactFactory(customer=o["customer_a"], name="Amos Contact", phone=PHONES["contact_a"])
    o["contact_a2"] = ContactFactory(customer=o["customer_a2"], name="Ada Contact", phone=PHONES["contact_a2"])
    o["contact_b"] = ContactFactory(customer=o["customer_b"], name="Bella Contact", phone=PHONES["contact_b"])
    overdue = timezone.localdate() - timedelta(days=3)
    o["visit_plan_a"] = VisitPlanFactory(customer=o["customer_a"], owner=u["frontline_a"], next_due=overdue)
    o["visit_plan_a2"] = VisitPlanFactory(customer=o["customer_a2"], owner=u["frontline_a2"], next_due=overdue)
    o["visit_plan_b"] = VisitPlanFactory(customer=o["customer_b"], owner=u["frontline_b"], next_due=overdue)

    o["complaint_a"], o["plan_a"], o["remedy_a"] = _action_complaint(
        customer=o["customer_a"], clerk=u["frontline_a"], words="Alpha lift broken"
    )
    o["complaint_b"], o["plan_b"], o["remedy_b"] = _action_complaint(
        customer=o["customer_b"], clerk=u["frontline_b"], words="Bravo lift broken"
    )
    # Branch B received a complaint of branch A's customer: B reads the customer, read-only.
    o["complaint_x"] = ComplaintFactory(actor=u["frontline_b"], customer=o["customer_a"], customer_words="Cross")
    o["attachment_a"] = o["complaint_a"].attachments.get()
    o["attachment_b"] = o["complaint_b"].attachments.get()
    # A new complaint of branch A (at Listen), with plans proposed by a manager and (stored directly) by the
    # general manager: neither decides on their own plan.
    o["complaint_a2"] = ComplaintFactory(actor=u["manager_a"], customer=o["customer_a2"], customer_words="Alpha two")
    o["plan_by_manager_a"] = ResolutionPlanFactory(
        complaint=o["complaint_a2"], status=PlanStatus.REJECTED, submitted_by=u["manager_a"]
    )
    RemedyFactory(plan=o["plan_by_manager_a"])
    o["plan_by_gm"] = ResolutionPlanFactory(
        complaint=o["complaint_a2"], status=PlanStatus.REJECTED, submitted_by=u["gm"]
    )
    for creator in ("manager_a", "manager_b", "gm", "admin"):
        batch = f"batch_{creator.removeprefix('manager_')}"  # batch_a, batch_b, batch_gm, batch_admin
        o[batch] = ImportBatch.objects.create(filename=f"{batch}.csv", created_by=u[creator])
    for name in ("complaint_a", "complaint_a2", "complaint_b", "complaint_x", "plan_a", "plan_b"):
        o[name].refresh_from_db()
    # Satisfaction: a questionnaire, a campaign of branch A and a company-wide one, an invitation and an answer.
    dimension = Dimension.objects.get(code="service_attitude")
    o["survey_template"] = SurveyTemplate.objects.create(code="walk", name_en="Walk survey", name_zh="巡查问卷")
    item = SurveyItem.objects.create(
        template=o["survey_template"], dimension=dimension, text_en="Staff were kind", text_zh="员工友善"
    )
    o["campaign_a"] = Campaign.objects.create(
        name="Alpha survey", template=o["survey_template"], branch=branch_a, created_by=u["manager_a"]
    )
    o["campaign_company"] = Campaign.objects.create(
        name="Company survey", template=o["survey_template"], created_by=u["gm"]
    )
    o["invitation_a"] = Invitation.objects.create(
        campaign=o["campaign_a"],
        customer=o["customer_a"],
        salt="walk",
        token_hash="0" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    # Its real link: the public survey pages are walked with it (any visitor with the link may answer).
    o["survey_token"] = _token_for(o["invitation_a"])
    o["invitation_a"].token_hash = token_hash(o["survey_token"])
    o["invitation_a"].save(update_fields=["token_hash"])
    o["response_a"] = _response_write(
        template=o["survey_template"],
        customer=o["customer_a"],
        source=Response.Source.PHONE,
        data=AnswerData(scores={item.pk: 4}, overall=4),
        branch_id=branch_a.pk,
        recorded_by=u["frontline_a"],
    )
    o["response_b"] = _response_write(
        template=o["survey_template"],
        customer=o["customer_b"],
        source=Response.Source.PHONE,
        data=AnswerData(scores={item.pk: 2}, overall=2),
        branch_id=branch_b.pk,
        recorded_by=u["frontline_b"],
    )
    # A notification for branch A's clerk about their complaint (a kind nobody registered: shown as text).
    o["notification_a"] = Notification.objects.create(
        recipient=u["frontline_a"],
        kind="walk.complaint",
        subject_type="complaint",
        subject_id=o["complaint_a"].pk,
        key="walk:notification_a",
    )
    # An export by branch A's clerk (delivered at once): its owner's alone.
    o["export_a"] = ExportAudit.objects.create(
        user=u["frontline_a"], kind="complaints", format="csv", filters={"step": "open"}, row_count=1
    )
    # An API token of branch A's clerk (the API's token pages).
    o["api_token_a"], _key = api_token_create(actor=u["frontline_a"], name="walk")
    # Corrective actions (整改): branch A's (owned by its second clerk), branch B's, a company-wide one (B's clerk).
    for name, branch, owner, creator in (
        ("action_a", branch_a, "frontline_a2", "manager_a"),
        ("action_b", branch_b, "frontline_b", "manager_b"),
        ("action_company", None, "frontline_b", "gm"),
    ):
        o[name] = CorrectiveAction.objects.create(
            title=name, root_cause_group="people", branch=branch, owner=u[owner], created_by=u[creator],
            due_on=timezone.localdate() + timedelta(days=30),
        )  # fmt: skip
    # The complaint status link of branch A's complaint (the public status page), and a mail the mailbox could not
    # read (the admin's list).
    o["intake_token"] = status_token(o["complaint_a"])
    o["inbound_mail"] = InboundMail.objects.create(
        message_id="<walk@example.com>", state=InboundMail.State.UNPARSED, raw=b"not a mail", problem="walk"
    )
    # A worker answered a probe, so /healthz answers 200 (the walk checks access, not the worker; see rollback).
    probe = WorkerProbe.objects.create()
    worker_probe_answer(probe_id=probe.pk, worker="walk")
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module in a transaction that is rolled back at the module's end."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def rollback(world, db, settings):
    """The world, in a test of its own: pytest-django's ``db`` runs each test in a savepoint inside the module's
    transaction (it skips the class-level steps that would close the connection), so what a test changes is
    undone before the next. Modules using it need ``pytestmark = pytest.mark.django_db``, which also tells
    pytest-django to create the test database."""
    settings.WORKER_PROBE_INTERVAL = timedelta(days=365)  # the world's probe stays recent however long the walk
    return world


def client_for(user) -> Client:
    """A client that checks CSRF as a browser's server would, signed in as ``user`` (None: nobody), holding the
    CSRF cookie; a request carries the matching token only if it sends it (``post`` does)."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.cookies["csrftoken"] = CSRF_SECRET
    return client


def post(client: Client, url: str, data: dict | None = None, **extra):
    """POST with the CSRF token in the form, as a rendered form would send it."""
    return client.post(url, {"csrfmiddlewaretoken": CSRF_SECRET, **(data or {})}, **extra)

"""Services: creation with duplicate flags, updates, contacts, interactions, status, transfers, visits."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from crm_site.org.roles import Role
from customers.models import Customer, CustomerEvent, Interaction, QuadrantPolicy, VisitPlan
from customers.services import _person as person
from customers.services import (
    assessment_record,
    contact_add,
    contact_deactivate,
    customer_create,
    customer_set_status,
    customer_update,
    customers_transfer,
    interaction_log,
    visit_plan_set,
    visit_plans_schedule_defaults,
    visit_record,
)
from customers.workflow import ALLOWED_STATUS_MOVES, CustomerError, StatusMoveNotAllowed
from tests.factories import CustomerFactory, staff

from .factories import ContactFactory, VisitPlanFactory

pytestmark = pytest.mark.django_db


def test_create_records_history_and_the_actor_as_account_manager(frontline, branch):
    customer = customer_create(actor=frontline, name=" 王芳 ", phone="138-0013 8000", branch_id=branch.pk)
    assert customer.code == f"N{customer.pk:07d}"
    assert (customer.name, customer.phone, customer.account_manager) == ("王芳", "13800138000", frontline)
    assert customer.possible_duplicate_of is None
    assert list(customer.events.values_list("kind", flat=True)) == ["created"]


def test_create_refuses_another_branch(frontline, other_branch):
    with pytest.raises(CustomerError):
        customer_create(actor=frontline, name="X", phone="1", branch_id=other_branch.pk)


def test_duplicates_are_flagged_by_phone_or_name_and_company(frontline, branch, other_branch):
    original = CustomerFactory(branch=other_branch, name="Li Lei", phone="13900001111", company_name="Acme Ltd")
    contact = ContactFactory(customer=CustomerFactory(branch=branch), phone="13700002222")

    same_phone = customer_create(actor=frontline, name="Someone", phone="139 0000 1111", branch_id=branch.pk)
    assert same_phone.possible_duplicate_of == original
    assert same_phone.events.filter(kind="duplicate", to_value=original.code).exists()

    contact_phone = customer_create(actor=frontline, name="Other", phone="13700002222", branch_id=branch.pk)
    assert contact_phone.possible_duplicate_of == contact.customer

    same_company = customer_create(
        actor=frontline, name="li lei", phone="13000000000", company_name="ACME LTD", branch_id=branch.pk
    )
    assert same_company.possible_duplicate_of == original

    same_name_only = customer_create(actor=frontline, name="Li Lei", phone="13000000001", branch_id=branch.pk)
    assert same_name_only.possible_duplicate_of is None  # a common name alone is not a duplicate


def test_update_logs_the_changed_fields_and_needs_the_right_person(frontline, frontline_other, manager, branch):
    customer = CustomerFactory(branch=branch, name="Old", email="", account_manager=frontline)
    customer_update(actor=frontline, customer_id=customer.pk, name="New", email="a@example.com", phone=customer.phone)
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("New", "a@example.com")
    event = customer.events.get(kind="updated")
    assert "name" in event.note and "email" in event.note and "phone" not in event.note
    other = CustomerFactory(branch=branch)  # not frontline's customer
    with pytest.raises(CustomerError):
        customer_update(actor=frontline, customer_id=other.pk, name="Nope")
    customer_update(actor=manager, customer_id=other.pk, name="Yes")  # managers may
    with pytest.raises(ValueError, match="Not editable"):
        customer_update(actor=manager, customer_id=other.pk, status="churned")


def test_contacts_are_added_and_deactivated_never_deleted(manager, customer):
    first = contact_add(
        actor=manager, customer_id=customer.pk, name="张三", role="老板", phone="138 1111 2222", is_primary=True
    )
    second = contact_add(actor=manager, customer_id=customer.pk, name="李四", is_primary=True)
    first.refresh_from_db()
    assert (first.phone, first.is_primary, second.is_primary) == ("13811112222", False, True)
    contact_deactivate(actor=manager, contact_id=second.pk)
    second.refresh_from_db()
    assert not second.is_active and customer.contacts.count() == 2
    assert customer.events.filter(kind="contact").count() == 3


def test_interaction_log(frontline, admin_user, customer, other_customer):
    interaction = interaction_log(actor=frontline, customer_id=customer.pk, channel="sms", summary=" 提醒续费 ")
    assert (interaction.staff, interaction.summary, interaction.channel) == (frontline, "提醒续费", "sms")
    with pytest.raises(CustomerError):
        interaction_log(actor=frontline, customer_id=other_customer.pk, channel="sms", summary="x")
    with pytest.raises(CustomerError):
        interaction_log(actor=admin_user, customer_id=customer.pk, channel="sms", summary="x")
    with pytest.raises(CustomerError):
        interaction_log(actor=frontline, customer_id=customer.pk, channel="fax", summary="x")
    with pytest.raises(CustomerError):
        interaction_log(
            actor=frontline,
            customer_id=customer.pk,
            channel="sms",
            summary="x",
            occurred_at=timezone.now() + timedelta(days=1),
        )


def test_every_status_move_allowed_and_forbidden(manager, branch):
    statuses = [s for s, _label in Customer.Status.choices]
    for current in statuses:
        for target in statuses:
            customer = CustomerFactory(branch=branch)
            if current != "active":
                Customer.objects.filter(pk=customer.pk).update(
                    status=current,
                    churn_reason="x" if current == "churned" else "",
                    churned_on=date(2026, 1, 1) if current == "churned" else None,
                    at_risk_reason="manual" if current == "at_risk" else "",
                )
            if (current, target) in ALLOWED_STATUS_MOVES:
                customer_set_status(actor=manager, customer_id=customer.pk, status=target, reason="lost to rival")
                customer.refresh_from_db()
                assert customer.status == target
                assert customer.events.filter(kind="status", from_value=current, to_value=target).exists()
            else:
                with pytest.raises(StatusMoveNotAllowed):
                    customer_set_status(actor=manager, customer_id=customer.pk, status=target, reason="x")


def test_churn_needs_a_reason_and_records_the_day(manager, customer):
    with pytest.raises(CustomerError):
        customer_set_status(actor=manager, customer_id=customer.pk, status="churned", reason="  ")
    customer_set_status(actor=manager, customer_id=customer.pk, status="churned", reason="搬家 Moved")
    customer.refresh_from_db()
    assert (customer.churn_reason, customer.churned_on) == ("搬家 Moved", timezone.localdate())
    customer_set_status(actor=manager, customer_id=customer.pk, status="active")
    customer.refresh_from_db()
    assert (customer.churn_reason, customer.churned_on) == ("", None)


def test_assessment_sets_the_potential_score_at_once(manager, customer):
    assessment = assessment_record(
        actor=manager,
        customer_id=customer.pk,
        share_of_wallet=10,
        growth=10,
        recommendation=5,
        loyalty_intent=5,
        rating=5,
    )
    customer.refresh_from_db()
    assert customer.latest_assessment == assessment
    assert str(customer.potential_score) == "80.00"  # default weights 3/3/2/2
    with pytest.raises(CustomerError):
        assessment_record(
            actor=manager, customer_id=customer.pk, share_of_wallet=11, growth=0, recommendation=0, loyalty_intent=0
        )


def test_transfer_moves_customers_and_plans_and_keeps_history(manager, frontline, branch, other_branch):
    successor = staff(Role.FRONTLINE, branch, username="successor")
    mine = [CustomerFactory(branch=branch, account_manager=frontline) for _ in range(3)]
    someone_elses = CustomerFactory(branch=branch, account_manager=manager)
    elsewhere = CustomerFactory(branch=other_branch, account_manager=frontline)  # not the manager's branch
    plan = VisitPlanFactory(customer=mine[0], owner=frontline)

    count = customers_transfer(actor=manager, from_user_id=frontline.pk, to_user_id=successor.pk, reason="离职 Left")

    assert count == 3
    assert set(Customer.objects.filter(account_manager=successor)) == set(mine)
    assert Customer.objects.get(pk=someone_elses.pk).account_manager == manager
    assert Customer.objects.get(pk=elsewhere.pk).account_manager == frontline
    plan.refresh_from_db()
    assert plan.owner == successor
    events = CustomerEvent.objects.filter(kind="transferred")
    assert events.count() == 3
    event = events.get(customer=mine[1])
    assert (event.actor, event.note) == (manager, "离职 Left")
    assert (event.from_value, event.to_value) == (person(frontline), person(successor))


def test_transfer_of_chosen_customers_and_refusals(manager, frontline, frontline_other, branch):
    successor = staff(Role.MANAGER, branch, username="successor")
    a, b = (CustomerFactory(branch=branch, account_manager=frontline) for _ in range(2))
    assert (
        customers_transfer(
            actor=manager, from_user_id=frontline.pk, to_user_id=successor.pk, reason="r", customer_ids=[b.pk]
        )
        == 1
    )
    assert Customer.objects.get(pk=a.pk).account_manager == frontline
    with pytest.raises(CustomerError):  # only managers transfer
        customers_transfer(actor=frontline, from_user_id=frontline.pk, to_user_id=successor.pk, reason="r")
    with pytest.raises(CustomerError):  # a reason is needed
        customers_transfer(actor=manager, from_user_id=frontline.pk, to_user_id=successor.pk, reason=" ")
    with pytest.raises(CustomerError):  # the successor must be staff of the manager's branch
        customers_transfer(actor=manager, from_user_id=frontline.pk, to_user_id=frontline_other.pk, reason="r")


def test_visit_plan_and_visit_record(manager, frontline, customer):
    plan = visit_plan_set(
        actor=manager, customer_id=customer.pk, owner_id=frontline.pk, every_days=30, next_due=date(2026, 1, 1)
    )
    replacement = visit_plan_set(
        actor=manager, customer_id=customer.pk, owner_id=frontline.pk, every_days=14, next_due=date(2026, 1, 1)
    )
    plan.refresh_from_db()
    assert not plan.is_active and replacement.is_active
    visited = timezone.now() - timedelta(days=1)
    interaction = visit_record(actor=frontline, plan_id=replacement.pk, summary="拜访 Visited", occurred_at=visited)
    replacement.refresh_from_db()
    assert interaction.visit_plan == replacement and interaction.channel == "visit"
    assert replacement.last_visited_on == timezone.localdate(visited)
    assert replacement.next_due == timezone.localdate(visited) + timedelta(days=14)


def test_only_the_owner_or_a_manager_records_a_visit(frontline, customer, branch):
    colleague = staff(Role.FRONTLINE, branch, username="colleague")
    plan = VisitPlanFactory(customer=customer, owner=frontline)
    with pytest.raises(CustomerError):
        visit_record(actor=colleague, plan_id=plan.pk, summary="x")
    assert not Interaction.objects.exists()


def test_default_plans_follow_the_quadrant_and_tier(frontline, branch):
    QuadrantPolicy.objects.filter(quadrant="high").update(contact_every_days=30, contact_channel="visit")
    QuadrantPolicy.objects.filter(quadrant="low").update(contact_every_days=0)
    high = CustomerFactory(branch=branch, account_manager=frontline, quadrant="high", tier="B")
    key_low = CustomerFactory(branch=branch, account_manager=frontline, quadrant="low", tier="A")
    plain_low = CustomerFactory(branch=branch, account_manager=frontline, quadrant="low", tier="C")
    nobody = CustomerFactory(branch=branch, account_manager=None, quadrant="high", tier="A")
    planned = CustomerFactory(branch=branch, account_manager=frontline, quadrant="high", tier="A")
    VisitPlanFactory(customer=planned, owner=frontline, every_days=7)

    created = visit_plans_schedule_defaults(as_of=date(2026, 6, 1))

    assert created == 2
    plan = VisitPlan.objects.get(customer=high)
    assert (plan.owner, plan.every_days, plan.channel, plan.origin) == (frontline, 30, "visit", "default")
    assert plan.next_due == date(2026, 6, 8)
    assert VisitPlan.objects.get(customer=key_low).every_days == 30  # A tier: at least every 30 days
    assert not VisitPlan.objects.filter(customer__in=[plain_low, nobody]).exists()
    assert VisitPlan.objects.get(customer=planned).every_days == 7
    assert visit_plans_schedule_defaults(as_of=date(2026, 6, 1)) == 0


def test_a_general_manager_cannot_transfer_to_staff_of_another_branch(gm, frontline, frontline_other, branch):
    """The receiving account manager must be able to open the customers, or they are orphaned (404 for their owner)."""
    customers = CustomerFactory.create_batch(2, branch=branch, account_manager=frontline)
    with pytest.raises(CustomerError, match="could not open the customers of Beijing"):
        customers_transfer(actor=gm, from_user_id=frontline.pk, to_user_id=frontline_other.pk, reason="离职")
    assert set(Customer.objects.filter(account_manager=frontline)) == set(customers)
    assert not CustomerEvent.objects.filter(kind="transferred").exists()
    colleague = staff(Role.FRONTLINE, branch, username="colleague")
    assert customers_transfer(actor=gm, from_user_id=frontline.pk, to_user_id=colleague.pk, reason="离职") == 2


def test_transfer_names_the_branches_the_receiver_cannot_open(gm, frontline, branch, other_branch):
    CustomerFactory(branch=branch, account_manager=frontline)
    elsewhere = CustomerFactory(branch=other_branch, account_manager=frontline)
    colleague = staff(Role.FRONTLINE, branch, username="colleague")
    with pytest.raises(CustomerError, match="Shanghai") as refused:
        customers_transfer(actor=gm, from_user_id=frontline.pk, to_user_id=colleague.pk, reason="r")
    assert "Beijing" not in str(refused.value)
    # The customers of the colleague's branch alone may go.
    others = Customer.objects.filter(branch=branch).values_list("pk", flat=True)
    assert (
        customers_transfer(
            actor=gm, from_user_id=frontline.pk, to_user_id=colleague.pk, reason="r", customer_ids=list(others)
        )
        == 1
    )
    assert Customer.objects.get(pk=elsewhere.pk).account_manager == frontline


def test_a_visit_plan_owner_must_be_able_to_open_the_customer(gm, frontline, frontline_other, customer):
    with pytest.raises(CustomerError, match="Beijing"):
        visit_plan_set(
            actor=gm, customer_id=customer.pk, owner_id=frontline_other.pk, every_days=30, next_due=date(2026, 1, 1)
        )
    assert not VisitPlan.objects.exists()
    plan = visit_plan_set(
        actor=gm, customer_id=customer.pk, owner_id=frontline.pk, every_days=30, next_due=date(2026, 1, 1)
    )
    assert plan.owner == frontline


@pytest.mark.parametrize("every_days", [0, -5, 367, 1000])
def test_visit_plan_interval_limits(manager, frontline, customer, every_days):
    with pytest.raises(CustomerError, match="1 to 366"):
        visit_plan_set(
            actor=manager, customer_id=customer.pk, owner_id=frontline.pk, every_days=every_days, next_due=date.today()
        )
    assert not VisitPlan.objects.exists()


@pytest.mark.parametrize("every_days", [1, 366])
def test_visit_plan_interval_bounds_are_allowed(manager, frontline, customer, every_days):
    plan = visit_plan_set(
        actor=manager, customer_id=customer.pk, owner_id=frontline.pk, every_days=every_days, next_due=date.today()
    )
    assert plan.every_days == every_days


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "  "}, "needs a name"),
        ({"kind": "alien"}, "individual or a company"),
        ({"phone": " - "}, "needs a phone number"),
    ],
)
def test_create_and_update_enforce_the_record_rules(manager, branch, changes, message):
    details = {"name": "王芳", "phone": "13800138000", "kind": "individual", **changes}
    with pytest.raises(CustomerError, match=message):
        customer_create(actor=manager, branch_id=branch.pk, **details)
    assert not Customer.objects.exists()
    customer = CustomerFactory(branch=branch, name="Before", phone="13900000000")
    with pytest.raises(CustomerError, match=message):
        customer_update(actor=manager, customer_id=customer.pk, **changes)
    customer.refresh_from_db()
    assert (customer.name, customer.kind, customer.phone) == ("Before", "individual", "13900000000")
    assert not customer.events.exists()


def test_create_checks_the_account_manager(manager, frontline, frontline_other, admin_user, branch):
    retired = staff(Role.FRONTLINE, branch, username="retired", is_active=False)
    for refused in (frontline_other, admin_user, retired):  # another branch, not customer-facing, inactive
        with pytest.raises(CustomerError, match="cannot look after customers of Beijing"):
            customer_create(
                actor=manager, name="王芳", phone="13800138000", branch_id=branch.pk, account_manager_id=refused.pk
            )
    with pytest.raises(CustomerError):
        customer_create(actor=manager, name="王芳", phone="13800138000", branch_id=branch.pk, account_manager_id=999999)
    assert not Customer.objects.exists()
    customer = customer_create(
        actor=manager, name="王芳", phone="13800138000", branch_id=branch.pk, account_manager_id=frontline.pk
    )
    assert customer.account_manager == frontline

"""Everything that can happen to a customer. Each service checks who may do it, changes the data and
writes the customer's history, in one transaction. ``grep -n "^def " customers/services.py`` lists them."""

import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site.jobs.services import jobs_cancel
from crm_site.org.models import Branch
from crm_site.org.policy import can

from . import classification, imports
from .models import (
    Channel,
    ChurnEpisode,
    ClassificationRun,
    Contact,
    Customer,
    CustomerEvent,
    ImportBatch,
    Interaction,
    PotentialAssessment,
    Purchase,
    QuadrantPolicy,
    Tier,
    ValueMatrixSettings,
    VisitPlan,
)
from .phones import normalise_phone, phone_e164
from .selectors import customer_duplicates, customer_list_for_user, staff_for_customers_of
from .workflow import CustomerError, check_status_move

User = get_user_model()
Kind = CustomerEvent.Kind

# Fields customer_update may change; the account manager changes by transfer, the status by customer_set_status.
EDITABLE_FIELDS = ("name", "kind", "company_name", "phone", "email", "address", "source")
# Visit plans: at least daily, at least once a year (the form's limits too).
MIN_VISIT_DAYS, MAX_VISIT_DAYS = 1, 366


def visit_plan_key_prefix(plan_id: int) -> str:
    """Keys of a visit plan's scheduled reminders (customers.schedule) start with this."""
    return f"visit:{plan_id}:"


def _cancel_visit_reminders(plan_id: int) -> None:
    """The plan's pending reminders are about a due date that no longer holds (in the caller's transaction)."""
    jobs_cancel(key_prefix=visit_plan_key_prefix(plan_id))


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _log(customer_id: int, kind: str, actor, *, from_value="", to_value="", note="") -> CustomerEvent:
    return CustomerEvent.objects.create(
        customer_id=customer_id,
        kind=kind,
        actor=actor,
        from_value=str(from_value)[:200],
        to_value=str(to_value)[:200],
        note=note,
    )


def _branch_names(branch_ids) -> str:
    return ", ".join(Branch.objects.filter(pk__in=list(branch_ids)).order_by("code").values_list("name", flat=True))


def _check_details(*, name: str | None = None, kind: str | None = None, phone: str | None = None) -> None:
    """The rules of a customer record, whichever page or task writes it (the forms say the same)."""
    if name is not None and not name.strip():
        raise CustomerError(_("The customer needs a name."))
    if kind is not None and kind not in Customer.Kind.values:
        raise CustomerError(_("Choose whether the customer is an individual or a company."))
    if phone is not None and not phone:
        raise CustomerError(_("The customer needs a phone number."))


def _check_can_own(user, branch_id: int) -> None:
    """An account manager or visit owner must be active staff who can open the customer (its branch)."""
    if user is None or not can(user, "customer.own", Branch(pk=branch_id)):
        raise CustomerError(
            _("%(person)s cannot look after customers of %(branch)s: choose active staff of that branch.")
            % {"person": _person(user) or _("This person"), "branch": _branch_names([branch_id])}
        )


def _manageable(actor, customer_id: int, *, lock: bool = False) -> Customer:
    qs = Customer.objects.filter(pk=customer_id)
    if lock:
        qs = qs.select_for_update(of=("self",)) if connection.features.has_select_for_update_of else qs
    customer = qs.first()
    if customer is None or not can(actor, "customer.change", customer):
        raise CustomerError(_("You are not allowed to change this customer."))
    return customer


@transaction.atomic
def customer_create(
    *,
    actor,
    name: str,
    phone: str,
    branch_id: int,
    kind: str = Customer.Kind.INDIVIDUAL,
    email: str = "",
    source: str = "",
    company_name: str = "",
    address: str = "",
    account_manager_id: int | None = None,
    tags=(),
) -> Customer:
    """A new customer record, flagged when it looks like one we already have (same phone, or same name and company).

    Its code comes from its id, so it is unique without a lock.
    """
    if not can(actor, "customer.create") or not can(actor, "branch.act_in", Branch(pk=branch_id)):
        raise CustomerError(_("You cannot create customers for this branch."))
    phone = normalise_phone(phone)
    _check_details(name=name, kind=kind, phone=phone)
    if account_manager_id is not None:
        _check_can_own(User.objects.filter(pk=account_manager_id).first(), branch_id)
    duplicates = list(customer_duplicates(phone=phone, name=name, company_name=company_name, kind=kind)[:1])
    customer = Customer.objects.create(
        code=uuid.uuid4().hex[:20],
        name=name.strip(),
        phone=phone,
        phone_e164=phone_e164(phone),
        branch_id=branch_id,
        kind=kind,
        email=email.strip(),
        source=source.strip(),
        company_name=company_name.strip(),
        address=address.strip(),
        account_manager_id=account_manager_id if account_manager_id is not None else actor.pk,
        possible_duplicate_of=duplicates[0] if duplicates else None,
    )
    customer.code = f"N{customer.pk:07d}"
    customer.save(update_fields=["code"])
    if tags:
        customer.tags.set(tags)
    _log(customer.pk, Kind.CREATED, actor, to_value=customer.code)
    if duplicates:
        _log(customer.pk, Kind.DUPLICATE, actor, to_value=duplicates[0].code)
    return customer


@transaction.atomic
def customer_match_or_create_unverified(
    *, name: str, phone: str = "", email: str = "", branch_id: int, source: str
) -> tuple[Customer, bool]:
    """The customer who wrote in themselves (the public complaint form, an e-mail), with no staff member acting:
    the oldest record with this phone (in any format), else with this e-mail address; else a new record marked
    unverified, with no account manager, for staff to check. Returns (customer, created)."""
    number, email = phone_e164(phone), email.strip()
    if not number and not email:
        raise CustomerError(_("Give a phone number or an e-mail address so that we can answer you."))
    if not name.strip():
        raise CustomerError(_("The customer needs a name."))
    found = None
    if number:
        found = Customer.objects.filter(phone_e164=number).order_by("pk").first()
    if found is None and email:
        found = Customer.objects.filter(email__iexact=email).order_by("pk").first()
    if found is not None:
        return found, False
    phone = normalise_phone(phone)
    duplicates = list(customer_duplicates(phone=phone, name=name)[:1])
    customer = Customer.objects.create(
        code=uuid.uuid4().hex[:20],
        name=name.strip()[:200],
        phone=phone[:30],
        phone_e164=number[:30],
        email=email[:254],
        branch_id=branch_id,
        source=source.strip()[:100],
        unverified=True,
        possible_duplicate_of=duplicates[0] if duplicates else None,
    )
    customer.code = f"N{customer.pk:07d}"
    customer.save(update_fields=["code"])
    _log(customer.pk, Kind.CREATED, None, to_value=customer.code, note=source.strip())
    return customer, True


@transaction.atomic
def customer_verify(*, actor, customer_id: int) -> Customer:
    """Clear the mark of a record the customer created themselves (public form, e-mail): staff checked its details."""
    qs = Customer.objects.filter(pk=customer_id)
    if connection.features.has_select_for_update_of:
        qs = qs.select_for_update(of=("self",))
    customer = qs.first()
    if customer is None or not can(actor, "customer.verify", customer):
        raise CustomerError(_("You are not allowed to change this customer."))
    if not customer.unverified:
        raise CustomerError(_("This customer is already verified."))
    customer.unverified = False
    customer.save(update_fields=["unverified", "updated_at"])
    # Labels in the actor's language, as customer_update writes its field names.
    _log(customer.pk, Kind.UPDATED, actor, from_value=_("Unverified"), to_value=_("Verified"))
    return customer


@transaction.atomic
def customer_update(*, actor, customer_id: int, tags=None, **changes) -> Customer:
    """Change the record's details; the history lists the fields that changed."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    customer = _manageable(actor, customer_id, lock=True)
    if "phone" in changes:
        changes["phone"] = normalise_phone(changes["phone"])
    _check_details(name=changes.get("name"), kind=changes.get("kind"), phone=changes.get("phone"))
    changed = [f for f, v in changes.items() if getattr(customer, f) != (v.strip() if isinstance(v, str) else v)]
    for field_name in changed:
        value = changes[field_name]
        setattr(customer, field_name, value.strip() if isinstance(value, str) else value)
    if changed:
        customer.phone_e164 = phone_e164(customer.phone)
        customer.save(update_fields=[*changed, "phone_e164", "updated_at"])
    if tags is not None:
        before = set(customer.tags.values_list("pk", flat=True))
        after = {t.pk for t in tags}
        if before != after:
            customer.tags.set(tags)
            changed.append("tags")
    if changed:
        labels = [str(Customer._meta.get_field(f).verbose_name) for f in changed]
        _log(customer.pk, Kind.UPDATED, actor, note=", ".join(labels))
    return customer


@transaction.atomic
def contact_add(
    *, actor, customer_id: int, name: str, role: str = "", phone: str = "", email: str = "", is_primary: bool = False
) -> Contact:
    customer = _manageable(actor, customer_id, lock=True)
    if is_primary:
        customer.contacts.filter(is_primary=True).update(is_primary=False)
    contact = Contact.objects.create(
        customer=customer,
        name=name.strip(),
        role=role.strip(),
        phone=normalise_phone(phone),
        phone_e164=phone_e164(phone),
        email=email.strip(),
        is_primary=is_primary,
    )
    _log(customer.pk, Kind.CONTACT, actor, to_value=contact.name, note=contact.role)
    return contact


@transaction.atomic
def contact_deactivate(*, actor, contact_id: int) -> Contact:
    contact = Contact.objects.select_related("customer").get(pk=contact_id)
    _manageable(actor, contact.customer_id)
    if contact.is_active:
        contact.is_active = False
        contact.is_primary = False
        contact.save(update_fields=["is_active", "is_primary"])
        _log(contact.customer_id, Kind.CONTACT, actor, from_value=contact.name)
    return contact


@transaction.atomic
def interaction_log(
    *, actor, customer_id: int, channel: str, summary: str, occurred_at: datetime | None = None
) -> Interaction:
    """A communication with the customer (沟通记录), logged by the staff member who had it."""
    if not can(actor, "customer.log_interaction", Customer.objects.filter(pk=customer_id).first()):
        raise CustomerError(_("You are not allowed to log interactions for this customer."))
    if channel not in Channel.values:
        raise CustomerError(_("Choose a channel."))
    if not summary.strip():
        raise CustomerError(_("Write what was said."))
    now = timezone.now()
    if occurred_at is not None and occurred_at > now + timedelta(minutes=5):
        raise CustomerError(_("An interaction cannot be in the future."))
    return Interaction.objects.create(
        customer_id=customer_id, channel=channel, summary=summary.strip(), staff=actor, occurred_at=occurred_at or now
    )


@transaction.atomic
def assessment_record(
    *,
    actor,
    customer_id: int,
    share_of_wallet: int,
    growth: int,
    recommendation: int,
    loyalty_intent: int,
    rating: int | None = None,
    notes: str = "",
) -> PotentialAssessment:
    """A new potential assessment; the score shows at once, the quadrant moves at the next classification."""
    customer = _manageable(actor, customer_id, lock=True)
    scores = (share_of_wallet, growth, recommendation, loyalty_intent)
    if any(s < 0 or s > 10 for s in scores) or (rating is not None and not 1 <= rating <= 5):
        raise CustomerError(_("Scores go from 0 to 10, the rating from 1 to 5."))
    assessment = PotentialAssessment.objects.create(
        customer=customer,
        share_of_wallet=share_of_wallet,
        growth=growth,
        recommendation=recommendation,
        loyalty_intent=loyalty_intent,
        rating=rating,
        notes=notes.strip(),
        assessed_by=actor,
    )
    old_score = customer.potential_score
    customer.latest_assessment = assessment
    customer.potential_score = classification.potential_score(ValueMatrixSettings.current(), assessment)
    customer.save(update_fields=["latest_assessment", "potential_score", "updated_at"])
    _log(
        customer.pk,
        Kind.ASSESSED,
        actor,
        from_value=old_score if old_score is not None else "",
        to_value=customer.potential_score,
    )
    return assessment


@transaction.atomic
def customer_set_status(*, actor, customer_id: int, status: str, reason: str = "") -> Customer:
    """Flag at risk, mark churned (with a reason) or win back, through the status lifecycle."""
    customer = _manageable(actor, customer_id, lock=True)
    check_status_move(customer.status, status)
    reason = reason.strip()
    if status == Customer.Status.CHURNED and not reason:
        raise CustomerError(_("Say why the customer was lost."))
    old = customer.status
    today = timezone.localdate()
    if status == Customer.Status.CHURNED:
        ChurnEpisode.objects.create(customer=customer, churned_on=today, reason=reason[:300])
    elif old == Customer.Status.CHURNED:
        # Won back: the churn episode is closed, not forgotten, so past periods' churn figures stay as reported.
        won_back = ChurnEpisode.objects.filter(customer=customer, won_back_on__isnull=True).update(won_back_on=today)
        if not won_back and customer.churned_on:  # lost before churn episodes were recorded
            ChurnEpisode.objects.create(
                customer=customer, churned_on=customer.churned_on, won_back_on=today, reason=customer.churn_reason
            )
    customer.status = status
    customer.at_risk_reason = Customer.AtRiskReason.MANUAL if status == Customer.Status.AT_RISK else ""
    if status == Customer.Status.CHURNED:
        customer.churn_reason, customer.churned_on = reason[:300], today
    else:
        # A won-back customer counts as retained again; the churn episode and the history keep the churn.
        customer.churn_reason, customer.churned_on = "", None
    customer.save(update_fields=["status", "at_risk_reason", "churn_reason", "churned_on", "updated_at"])
    _log(customer.pk, Kind.STATUS, actor, from_value=old, to_value=status, note=reason)
    return customer


@transaction.atomic
def customers_transfer(*, actor, from_user_id: int, to_user_id: int, reason: str, customer_ids=None) -> int:
    """Hand an account manager's customers (all, or some) to another, e.g. when someone leaves.

    Set-based: one UPDATE of the customers, one of their active visit plans, one INSERT of history rows.
    """
    if not can(actor, "customer.transfer"):
        raise CustomerError(_("Only managers transfer customers."))
    if from_user_id == to_user_id:
        raise CustomerError(_("Choose two different people."))
    if not reason.strip():
        raise CustomerError(_("Say why the customers are transferred."))
    staff = staff_for_customers_of(user=actor)
    from_user = User.objects.filter(pk=from_user_id).first()
    to_user = staff.filter(pk=to_user_id, is_active=True).first()
    if from_user is None or to_user is None:
        raise CustomerError(_("Choose an active member of staff to take the customers."))
    qs = customer_list_for_user(user=actor).filter(account_manager_id=from_user_id)
    if customer_ids is not None:
        qs = qs.filter(pk__in=list(customer_ids))
    rows = list(qs.order_by("pk").values_list("pk", "branch_id"))
    if not rows:
        return 0
    # A receiving user who cannot open a customer's branch would own customers they cannot see.
    blocked = {branch_id for _pk, branch_id in rows if not can(to_user, "customer.own", Branch(pk=branch_id))}
    if blocked:
        raise CustomerError(
            _(
                "%(person)s works in another branch and could not open the customers of %(branches)s: choose "
                "someone of that branch, or transfer those customers separately."
            )
            % {"person": _person(to_user), "branches": _branch_names(blocked)}
        )
    ids = [pk for pk, _branch_id in rows]
    now = timezone.now()
    for start in range(0, len(ids), 5000):  # stays under every database's parameter limit
        chunk = ids[start : start + 5000]
        Customer.objects.filter(pk__in=chunk).update(account_manager_id=to_user_id, updated_at=now)
        VisitPlan.objects.filter(customer_id__in=chunk, owner_id=from_user_id, is_active=True).update(
            owner_id=to_user_id
        )
    CustomerEvent.objects.bulk_create(
        [
            CustomerEvent(
                customer_id=pk,
                kind=Kind.TRANSFERRED,
                actor=actor,
                from_value=_person(from_user),
                to_value=_person(to_user),
                note=reason.strip(),
                created_at=now,
            )
            for pk in ids
        ],
        batch_size=2000,
    )
    return len(ids)


@transaction.atomic
def visit_plan_set(
    *,
    actor,
    customer_id: int,
    owner_id: int,
    every_days: int,
    next_due: date,
    channel: str = Channel.VISIT,
    purpose: str = "",
) -> VisitPlan:
    """The customer's visit plan (one active at a time): a new plan replaces the current one."""
    customer = _manageable(actor, customer_id, lock=True)
    owner = staff_for_customers_of(user=actor).filter(pk=owner_id, is_active=True).first()
    if owner is None:
        raise CustomerError(_("Choose an active member of staff as the owner."))
    _check_can_own(owner, customer.branch_id)
    if not MIN_VISIT_DAYS <= every_days <= MAX_VISIT_DAYS:
        raise CustomerError(
            _("Plan a visit every %(min)s to %(max)s days.") % {"min": MIN_VISIT_DAYS, "max": MAX_VISIT_DAYS}
        )
    if channel not in Channel.values:
        raise CustomerError(_("Choose a channel."))
    old = customer.visit_plans.filter(is_active=True).first()
    if old is not None:
        old.is_active = False
        old.save(update_fields=["is_active"])
        _cancel_visit_reminders(old.pk)
    plan = VisitPlan.objects.create(
        customer=customer,
        owner=owner,
        every_days=every_days,
        next_due=next_due,
        channel=channel,
        purpose=purpose.strip(),
    )
    _log(
        customer.pk,
        Kind.VISIT_PLAN,
        actor,
        from_value=f"{old.every_days}d" if old else "",
        to_value=f"{every_days}d · {_person(owner)}",
        note=purpose,
    )
    return plan


@transaction.atomic
def visit_plan_stop(*, actor, plan_id: int) -> VisitPlan:
    plan = VisitPlan.objects.select_for_update().get(pk=plan_id)
    _manageable(actor, plan.customer_id)
    if plan.is_active:
        plan.is_active = False
        plan.save(update_fields=["is_active"])
        _cancel_visit_reminders(plan.pk)
        _log(plan.customer_id, Kind.VISIT_PLAN, actor, from_value=f"{plan.every_days}d")
    return plan


@transaction.atomic
def visit_record(
    *, actor, plan_id: int, summary: str, occurred_at: datetime | None = None, channel: str | None = None
) -> Interaction:
    """A visit of a plan: an interaction linked to the plan, and the plan's next due date moves on."""
    plan = VisitPlan.objects.select_for_update().select_related("customer").get(pk=plan_id)
    if not plan.is_active:
        raise CustomerError(_("This visit plan is no longer active."))
    if not can(actor, "visitplan.record", plan):
        raise CustomerError(_("Only the plan's owner or a manager records its visits."))
    interaction = interaction_log(
        actor=actor,
        customer_id=plan.customer_id,
        channel=channel or plan.channel,
        summary=summary,
        occurred_at=occurred_at,
    )
    interaction.visit_plan = plan
    interaction.save(update_fields=["visit_plan"])
    visited_on = timezone.localdate(interaction.occurred_at)
    was_due = plan.next_due
    plan.last_visited_on = max(filter(None, [plan.last_visited_on, visited_on]))
    plan.next_due = plan.last_visited_on + timedelta(days=plan.every_days)
    plan.save(update_fields=["last_visited_on", "next_due"])
    if plan.next_due != was_due:
        _cancel_visit_reminders(plan.pk)  # the next visit has its own due date, so its own reminders
    return interaction


@transaction.atomic
def visit_plans_schedule_defaults(*, as_of: date | None = None) -> int:
    """Give each classified customer with an account manager and no active plan the default plan of its quadrant
    (A-tier customers at least every ``tier_a_visit_every_days``). One INSERT … SELECT per quadrant."""
    as_of = as_of or timezone.localdate()
    settings = ValueMatrixSettings.current()
    created = 0
    now = timezone.now()
    plan_table = connection.ops.quote_name(VisitPlan._meta.db_table)
    customer_table = connection.ops.quote_name(Customer._meta.db_table)
    for policy in QuadrantPolicy.objects.all():
        days = policy.contact_every_days
        a_days = min(days, settings.tier_a_visit_every_days) if days else settings.tier_a_visit_every_days
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {plan_table} (customer_id, owner_id, every_days, channel, next_due, purpose, origin,
                                          is_active, created_at)
                SELECT c.id, c.account_manager_id, CASE WHEN c.tier = %s THEN %s ELSE %s END, %s, %s, '', %s, %s, %s
                FROM {customer_table} c
                WHERE c.quadrant = %s AND c.account_manager_id IS NOT NULL AND c.status <> %s
                  AND (%s > 0 OR c.tier = %s)
                  AND NOT EXISTS (SELECT 1 FROM {plan_table} p WHERE p.customer_id = c.id AND p.is_active)
                """,  # noqa: S608 - table names from the models, values as parameters
                [
                    Tier.A,
                    a_days,
                    days or a_days,
                    policy.contact_channel,
                    (as_of + timedelta(days=7)).isoformat(),
                    VisitPlan.Origin.DEFAULT,
                    True,
                    connection.ops.adapt_datetimefield_value(now),
                    policy.quadrant,
                    Customer.Status.CHURNED,
                    days,
                    Tier.A,
                ],
            )
            created += cursor.rowcount
    return created


@dataclass
class ImportPreview:
    batch: ImportBatch
    rows: list[imports.CheckedRow]


def _visible_codes(actor, codes: set[str]) -> dict[str, int]:
    result: dict[str, int] = {}
    codes_list = sorted(codes)
    for start in range(0, len(codes_list), 5000):
        chunk = codes_list[start : start + 5000]
        result.update(customer_list_for_user(user=actor).filter(code__in=chunk).values_list("code", "pk"))
    return result


def _known_references(customer_ids: set[int], references: set[str]) -> set[tuple[int, str]]:
    known: set[tuple[int, str]] = set()
    refs = sorted(references)
    for start in range(0, len(refs), 5000):
        chunk = refs[start : start + 5000]
        known.update(
            Purchase.objects.filter(reference__in=chunk, customer_id__in=customer_ids).values_list(
                "customer_id", "reference"
            )
        )
    return known


def _check(actor, records) -> list[imports.CheckedRow]:
    present = [r for r in records if r is not None]
    codes = {imports._text(r.get("customer_code")) for r in present}
    customers_by_code = _visible_codes(actor, codes)
    references = {imports._text(r.get("reference")) for r in present} - {""}
    known = _known_references(set(customers_by_code.values()), references) if references else set()
    return imports.check_rows(
        records, customers_by_code=customers_by_code, known_references=known, today=timezone.localdate()
    )


@transaction.atomic
def transactions_preview(*, actor, filename: str, records: list) -> ImportPreview:
    """Check every row of an uploaded file and keep the result for the user to confirm; nothing is imported yet."""
    if not can(actor, "importbatch.create"):
        raise CustomerError(_("You are not allowed to import transactions."))
    rows = _check(actor, records)
    batch = ImportBatch.objects.create(
        filename=filename[:200],
        total_rows=len(rows),
        good_rows=[{"row": r.row, **r.values} for r in rows if not r.errors],
        errors=[{"row": r.row, "errors": r.errors} for r in rows if r.errors],
        created_by=actor,
    )
    return ImportPreview(batch=batch, rows=rows)


@transaction.atomic
def transactions_import(*, actor, batch_id: int) -> ImportBatch:
    """Import the good rows of a previewed file, all or nothing, once.

    The rows are checked again (an order may have been imported since the preview); rows that
    became bad are reported, not imported.
    """
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None or not can(actor, "importbatch.use", batch):
        raise CustomerError(_("This import is not yours or does not exist."))
    if batch.status != ImportBatch.Status.PREVIEWED:
        raise CustomerError(_("This file was already imported or cancelled."))
    records = [
        {k: row[k] for k in ("customer_code", "date", "amount", "margin", "product", "reference")}
        for row in batch.good_rows
    ]
    rechecked = _check(actor, records)
    good, late_errors = [], []
    for original, row in zip(batch.good_rows, rechecked, strict=True):
        if row.errors:
            late_errors.append({"row": original["row"], "errors": row.errors})
        else:
            good.append(row.values)
    now = timezone.now()
    Purchase.objects.bulk_create(
        [
            Purchase(
                customer_id=v["customer_id"],
                date=date.fromisoformat(v["date"]),
                amount=Decimal(v["amount"]),
                margin=Decimal(v["margin"]),
                product=v["product"],
                reference=v["reference"],
                import_batch=batch,
                created_at=now,
            )
            for v in good
        ],
        batch_size=1000,
    )
    last = Purchase.objects.filter(customer_id=OuterRef("pk")).order_by().values("customer_id").annotate(m=Max("date"))
    Customer.objects.filter(pk__in=Purchase.objects.filter(import_batch=batch).values("customer_id")).update(
        last_purchase_on=Subquery(last.values("m"))
    )
    batch.status = ImportBatch.Status.IMPORTED
    batch.imported_rows = len(good)
    batch.imported_at = now
    batch.errors = [*batch.errors, *late_errors]
    batch.save(update_fields=["status", "imported_rows", "imported_at", "errors"])
    return batch


@transaction.atomic
def transactions_cancel(*, actor, batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
    if batch is None or not can(actor, "importbatch.use", batch):
        raise CustomerError(_("This import is not yours or does not exist."))
    if batch.status == ImportBatch.Status.PREVIEWED:
        batch.status = ImportBatch.Status.CANCELLED
        batch.save(update_fields=["status"])
    return batch


@transaction.atomic
def customers_classify(*, actor=None, as_of: date | None = None) -> ClassificationRun:
    """Recompute every customer's current value, potential, quadrant and tier, set-based, keeping each change.

    One run at a time: the settings row is locked for the run.
    """
    settings = ValueMatrixSettings.objects.select_for_update().get_or_create(pk=1)[0]
    as_of = as_of or timezone.localdate()
    now = timezone.now()
    started = time.monotonic()
    start, _end = classification.value_window(as_of, settings.value_months)
    snapshot = {
        f.name: str(getattr(settings, f.name)) for f in ValueMatrixSettings._meta.concrete_fields if f.name != "id"
    }
    run = ClassificationRun.objects.create(
        started_at=now,
        triggered_by=actor,
        as_of=as_of,
        window_start=start,
        value_basis=settings.value_basis,
        pareto_percent=settings.pareto_percent,
        settings_snapshot=snapshot,
    )
    result = classification.classify(settings=settings, as_of=as_of, run_id=run.pk, now=now)
    run.current_threshold = result.current_threshold
    run.potential_threshold = result.potential_threshold
    run.customers_classified = result.classified
    run.quadrant_changes = result.quadrant_changes
    run.tier_changes = result.tier_changes
    run.finished_at = timezone.now()
    run.settings_snapshot = {**snapshot, "seconds": round(time.monotonic() - started, 3), "updated": result.updated}
    run.save()
    return run


@transaction.atomic
def customers_detect_at_risk(*, as_of: date | None = None) -> classification.AtRiskResult:
    """Flag customers who stopped buying or spend much less; return those who recovered to active."""
    settings = ValueMatrixSettings.objects.select_for_update().get_or_create(pk=1)[0]
    return classification.detect_at_risk(settings=settings, as_of=as_of or timezone.localdate(), now=timezone.now())


@dataclass
class Recomputation:
    run: ClassificationRun
    at_risk: classification.AtRiskResult
    plans_created: int


def customers_recompute(*, actor=None, as_of: date | None = None, default_plans: bool = True) -> Recomputation:
    """The whole recomputation, whoever starts it (``manage.py classify_customers``, "Recompute now", the nightly
    schedule): values, quadrants and tiers; then at-risk flags; then default visit plans for the newly classified.
    Each step is its own transaction and safe to run again."""
    run = customers_classify(actor=actor, as_of=as_of)
    at_risk = customers_detect_at_risk(as_of=as_of)
    plans = visit_plans_schedule_defaults(as_of=as_of) if default_plans else 0
    return Recomputation(run=run, at_risk=at_risk, plans_created=plans)


def customers_recompute_request(*, actor, as_of: date | None = None):
    """ "Recompute now": refused unless the policy allows it; recorded as a job that a worker runs once this request
    commits (or the poll, if the broker is down). A recomputation already waiting is returned, not doubled."""
    if not can(actor, "classification.run"):
        raise CustomerError(_("You are not allowed to recompute the classification."))
    from crm_site.jobs.models import Job
    from crm_site.jobs.services import job_enqueue
    from crm_site.jobs.workflow import JobState

    from .jobs import RECOMPUTE

    waiting = Job.objects.filter(kind=RECOMPUTE, state=JobState.PENDING).order_by("pk").first()
    if waiting is not None:
        waiting.dispatched = None
        return waiting
    return job_enqueue(kind=RECOMPUTE, payload={"as_of": as_of.isoformat() if as_of else None}, actor=actor)

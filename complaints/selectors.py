from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from crm_site.org.access import access_of, scope_to_user_branch
from crm_site.org.policy import visible_or_404
from crm_site.org.roles import Role
from customers.models import Customer
from customers.phones import same_phone
from customers.search import name_or_company

from .models import (
    Attachment,
    Complaint,
    CustomerResponse,
    PlanDecision,
    PlanStatus,
    Remedy,
    ResolutionPlan,
    Revisit,
    Severity,
    SlaPolicy,
    TimelineEvent,
)
from .workflow import Step


def complaint_list_for_user(*, user) -> QuerySet[Complaint]:
    """Complaints the user may see (their branch, or all for company-wide roles), ready for a list page."""
    return scope_to_user_branch(_complaints(), user)


def _complaints() -> QuerySet[Complaint]:
    return Complaint.objects.select_related(
        "customer", "branch", "category", "handler", "first_responder", "department"
    )


def intake_customers() -> QuerySet[Customer]:
    """Customers a complaint can be registered for: any in the company, since the customer record is
    company-wide (no 信息孤岛) and a customer may walk into or call any branch."""
    return Customer.objects.select_related("branch")


def intake_customer_search(*, q: str, limit: int = 10) -> list[Customer]:
    """Live search at intake: name fragment, exact code, or the full phone number (never a phone fragment,
    which would let masked numbers be recovered digit by digit)."""
    q = q.strip()
    if not q:
        return []
    condition = name_or_company(q) | Q(code__iexact=q) | same_phone("phone_e164", q)
    return list(intake_customers().filter(condition).order_by("name", "pk")[:limit])


def complaint_get_for_user(*, user, pk: int) -> Complaint:
    """The access gate for one complaint: unknown and forbidden both raise 404."""
    complaint = Complaint.objects.select_related("customer", "branch").filter(pk=pk).first()
    return visible_or_404(user, "complaint.view", complaint)


def plan_get_for_user(*, user, pk: int) -> ResolutionPlan:
    """A resolution plan, through its complaint's gate."""
    plan = ResolutionPlan.objects.select_related("complaint").filter(pk=pk).first()
    visible_or_404(user, "complaint.view", plan.complaint if plan else None)
    return plan


def remedy_get_for_user(*, user, pk: int) -> Remedy:
    """A remedy, through its complaint's gate."""
    remedy = Remedy.objects.select_related("plan__complaint").filter(pk=pk).first()
    visible_or_404(user, "complaint.view", remedy.plan.complaint if remedy else None)
    return remedy


def attachment_get_for_user(*, user, pk: int) -> Attachment:
    """An evidence file, through its complaint's gate."""
    attachment = Attachment.objects.select_related("complaint").filter(pk=pk).first()
    visible_or_404(user, "complaint.view", attachment.complaint if attachment else None)
    return attachment


def complaint_detail_for_user(*, user, pk: int) -> Complaint:
    """One complaint with everything its page shows, in a fixed number of queries."""
    # Each related person is joined into its rows' query (a nested prefetch would cost one more query each), and a
    # plan's decisions (one per level at most, cmp_one_decision_per_plan_level) into the plans' query.
    levels = {level: f"decision_{level}" for level in PlanDecision.Level.values}
    plans = (
        ResolutionPlan.objects.annotate(
            **{
                name: FilteredRelation("decisions", condition=Q(decisions__level=level))
                for level, name in levels.items()
            }
        )
        .select_related("submitted_by", *(f"{name}__decided_by" for name in levels.values()))
        .prefetch_related(
            "remedies", Prefetch("responses", queryset=CustomerResponse.objects.select_related("recorded_by"))
        )
    )
    qs = (
        _complaints()
        .select_related("repeat_of")
        .prefetch_related(
            Prefetch("plans", queryset=plans),
            Prefetch("timeline", queryset=TimelineEvent.objects.select_related("actor")),
            "attachments",
            Prefetch("revisits", queryset=Revisit.objects.select_related("recorded_by")),
            "repeats",
        )
    )
    complaint = visible_or_404(user, "complaint.view", qs.filter(pk=pk).first())
    # The deadline extensions, from the timeline rows above: complaint_extend_deadline writes each with its reason
    # and who granted it, so the page needs no query of the extensions table.
    complaint.extension_events = [e for e in complaint.timeline.all() if e.kind == TimelineEvent.Kind.EXTENSION]
    for plan in complaint.plans.all():
        decisions = (getattr(plan, name, None) for name in levels.values())  # not set where the join found none
        _serve_prefetched(plan, "decisions", sorted((d for d in decisions if d is not None), key=lambda d: d.pk))
    # Serve current_plan / last_revisit from the prefetched rows instead of new queries.
    all_plans = sorted(complaint.plans.all(), key=lambda p: p.pk, reverse=True)
    complaint.current_plan = next((p for p in all_plans if p.status != PlanStatus.SUPERSEDED), None)
    revisits = list(complaint.revisits.all())
    complaint.last_revisit = revisits[-1] if revisits else None
    return complaint


def _serve_prefetched(obj, relation: str, rows: list) -> None:
    """Let ``obj.<relation>.all()`` answer ``rows`` as prefetch_related would have (they came with another query)."""
    queryset = getattr(obj, relation).all()
    queryset._result_cache, queryset._prefetch_done = rows, True
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = queryset


DEFAULT_DUE_SOON = timedelta(hours=24)


def due_soon_filter(now=None, *, among_open: bool = False) -> Q:
    """Open and due within the warning time of its severity's SLA policy (a day where none is set).

    ``among_open``: the query already keeps open complaints only, so the step is not asked again (an aggregate over
    the open-queue index then reads the index alone: the step is not one of its columns)."""
    now = now or timezone.now()
    hours = dict(SlaPolicy.objects.values_list("severity", "due_soon_hours"))
    by_severity = Q()
    for severity in Severity.values:
        warning = timedelta(hours=hours[severity]) if severity in hours else DEFAULT_DUE_SOON
        by_severity |= Q(severity=severity, resolution_due_at__lt=now + warning)
    due_soon = Q(resolution_due_at__gte=now) & by_severity
    return due_soon if among_open else due_soon & ~Q(step=Step.CLOSED)


def overdue_filter(now=None, *, among_open: bool = False) -> Q:
    """Open and past its resolution deadline, or still without a first response past that deadline
    (``among_open``: as for due_soon_filter)."""
    now = now or timezone.now()
    late = Q(resolution_due_at__lt=now) | Q(first_responded_at__isnull=True, response_due_at__lt=now)
    return late if among_open else late & ~Q(step=Step.CLOSED)


def annotate_due_flags(qs: QuerySet[Complaint], now=None) -> QuerySet[Complaint]:
    """``overdue`` and ``due_soon`` on each row, computed by the database with the filters above."""
    now = now or timezone.now()
    return qs.annotate(
        overdue=ExpressionWrapper(overdue_filter(now), output_field=BooleanField()),
        due_soon=ExpressionWrapper(due_soon_filter(now), output_field=BooleanField()),
    )


def complaint_queue_counts(*, user) -> dict:
    """Counts for a home page: open, mine, overdue, due soon, waiting for the user's approval."""
    now = timezone.now()
    qs = scope_to_user_branch(Complaint.objects.open(), user)
    counts = qs.aggregate(
        open=Count("pk"),
        mine=Count("pk", filter=Q(handler=user) | Q(first_responder=user)),
        overdue=Count("pk", filter=overdue_filter(now, among_open=True)),
        due_soon=Count("pk", filter=due_soon_filter(now, among_open=True)),
    )
    counts["approvals"] = approval_queue_for_user(user=user).count()
    return counts


def approval_queue_for_user(*, user) -> QuerySet[ResolutionPlan]:
    """Plans waiting for this user's decision: managers their branch's, general managers all GM-level ones
    and the managers' own plans; never a plan the user proposed."""
    role = access_of(user).role
    if role == Role.MANAGER:
        waiting = Q(status=PlanStatus.PENDING_MANAGER)
    elif role == Role.GENERAL_MANAGER:
        # Also a manager's own plan: the manager cannot decide it, and the branch may have no other.
        submitter_is_manager = Exists(
            get_user_model().groups.through.objects.filter(
                user_id=OuterRef("submitted_by_id"), group__name=Role.MANAGER
            )
        )
        waiting = Q(status=PlanStatus.PENDING_GM) | (Q(status=PlanStatus.PENDING_MANAGER) & Q(submitter_is_manager))
    else:
        return ResolutionPlan.objects.none()
    qs = ResolutionPlan.objects.filter(waiting, complaint__step=Step.ACTION).exclude(submitted_by=user)
    qs = scope_to_user_branch(qs, user, field="complaint__branch")
    return (
        qs.select_related(
            "complaint", "complaint__customer", "complaint__branch", "complaint__category", "submitted_by"
        )
        .prefetch_related("remedies")
        .order_by("submitted_at")
    )

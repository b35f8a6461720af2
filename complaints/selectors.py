from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from crm_site.org.access import access_of, scope_to_user_branch
from crm_site.org.roles import Role

from .models import Complaint, PlanStatus, ResolutionPlan, SlaPolicy, TimelineEvent
from .workflow import Step


def complaint_list_for_user(*, user) -> QuerySet[Complaint]:
    """Complaints the user may see (their branch, or all for company-wide roles), ready for a list page."""
    qs = scope_to_user_branch(Complaint.objects.all(), user)
    return qs.select_related("customer", "branch", "category", "handler", "first_responder", "department")


def complaint_get_for_user(*, user, pk: int) -> Complaint:
    """The access gate for one complaint: unknown and forbidden both raise 404."""
    try:
        return complaint_list_for_user(user=user).get(pk=pk)
    except Complaint.DoesNotExist:
        raise Http404 from None


def complaint_detail_for_user(*, user, pk: int) -> Complaint:
    """One complaint with everything its page shows, in a fixed number of queries."""
    plans = ResolutionPlan.objects.select_related("submitted_by").prefetch_related(
        "remedies", "decisions__decided_by", "responses__recorded_by"
    )
    qs = (
        complaint_list_for_user(user=user)
        .select_related("repeat_of")
        .prefetch_related(
            Prefetch("plans", queryset=plans),
            Prefetch("timeline", queryset=TimelineEvent.objects.select_related("actor")),
            "attachments",
            "revisits__recorded_by",
            "extensions__granted_by",
            "repeats",
        )
    )
    try:
        complaint = qs.get(pk=pk)
    except Complaint.DoesNotExist:
        raise Http404 from None
    # Serve current_plan / last_revisit from the prefetched rows instead of new queries.
    all_plans = sorted(complaint.plans.all(), key=lambda p: p.pk, reverse=True)
    complaint.current_plan = next((p for p in all_plans if p.status != PlanStatus.SUPERSEDED), None)
    revisits = list(complaint.revisits.all())
    complaint.last_revisit = revisits[-1] if revisits else None
    return complaint


def due_soon_threshold(severity: str) -> timedelta:
    hours = SlaPolicy.objects.filter(severity=severity).values_list("due_soon_hours", flat=True).first()
    return timedelta(hours=hours if hours is not None else 4)


def complaint_queue_counts(*, user) -> dict:
    """Counts for a home page: open, mine, overdue, due within a day, waiting for the user's approval."""
    now = timezone.now()
    qs = scope_to_user_branch(Complaint.objects.open(), user)
    counts = qs.aggregate(
        open=Count("pk"),
        mine=Count("pk", filter=Q(handler=user) | Q(first_responder=user)),
        overdue=Count("pk", filter=Q(resolution_due_at__lt=now)),
        due_soon=Count("pk", filter=Q(resolution_due_at__gte=now, resolution_due_at__lt=now + timedelta(days=1))),
    )
    counts["approvals"] = approval_queue_for_user(user=user).count()
    return counts


def approval_queue_for_user(*, user) -> QuerySet[ResolutionPlan]:
    """Plans waiting for this user's decision: managers their branch's, general managers all GM-level ones."""
    role = access_of(user).role
    if role == Role.MANAGER:
        status = PlanStatus.PENDING_MANAGER
    elif role == Role.GENERAL_MANAGER:
        status = PlanStatus.PENDING_GM
    else:
        return ResolutionPlan.objects.none()
    qs = ResolutionPlan.objects.filter(status=status, complaint__step=Step.ACTION)
    qs = scope_to_user_branch(qs, user, field="complaint__branch")
    return (
        qs.select_related(
            "complaint", "complaint__customer", "complaint__branch", "complaint__category", "submitted_by"
        )
        .prefetch_related("remedies")
        .order_by("submitted_at")
    )


def annotate_repeat_flag(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return qs.annotate(has_repeats=Exists(Complaint.objects.filter(repeat_of=OuterRef("pk"))))


def overdue_filter(now=None) -> Q:
    return Q(resolution_due_at__lt=now or timezone.now()) & ~Q(step=Step.CLOSED)


def due_soon_filter(now=None) -> Q:
    now = now or timezone.now()
    return Q(resolution_due_at__gte=now, resolution_due_at__lt=now + timedelta(days=1)) & ~Q(step=Step.CLOSED)

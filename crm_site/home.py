"""What each role's home page shows, composed from the apps' selectors."""

from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from complaints.models import BusinessCalendar, Category, ComplaintSettings, Severity, SlaPolicy
from complaints.selectors import complaint_list_for_user, complaint_queue_counts
from complaints.sla import DEFAULT_LIMITS
from customers.models import ClassificationRun, Quadrant, QuadrantPolicy, ValueMatrixSettings
from customers.selectors import customer_list_for_user
from intake.selectors import unread_mails
from satisfaction.selectors import CsiFilters, csi_summary

from .jobs.models import Job
from .jobs.workflow import JobState
from .org.access import access_of
from .org.models import Branch, RoleChange
from .org.policy import can
from .org.roles import BRANCH_ROLES, ROLE_PRECEDENCE, Role

RECENT_ROWS = 8
BRANCHES_LISTED = 10


CSI_HOME_DAYS = 90


def csi_headline(user) -> dict | None:
    """The last 90 days' CSI and NPS for the home page of those who read the CSI dashboard (one query)."""
    if not can(user, "csi.view"):
        return None
    today = timezone.localdate()
    figure = csi_summary(user=user, filters=CsiFilters(date_from=today - timedelta(days=CSI_HOME_DAYS), date_to=today))
    return {"figure": figure, "days": CSI_HOME_DAYS}


def home_context_for(user) -> dict:
    access = access_of(user)
    if can(user, "config.use"):
        # An admin configures: their home is the state of the configuration, not a complaint queue.
        return {"role": access.role, "branch": None, "csi": csi_headline(user), **admin_home_context()}
    customers = customer_list_for_user(user=user)
    context: dict = {
        "role": access.role,
        "branch": Branch.objects.filter(pk=access.branch_id).first() if access.branch_id else None,
        "customer_count": customers.count(),
        "recent_customers": list(customers.order_by("-created_at")[:5]),
        "complaint_counts": complaint_queue_counts(user=user),
        "urgent_complaints": list(complaint_list_for_user(user=user).open().order_by("resolution_due_at")[:8]),
        "csi": csi_headline(user),
    }
    if access.role == Role.GENERAL_MANAGER:
        context["branches"] = list(
            Branch.objects.filter(is_active=True).annotate(customer_total=Count("customers")).order_by("code")
        )
    return context


def admin_home_context() -> dict:
    """Configuration status, users and roles, recent changes: a fixed number of queries at any data size."""
    return {
        "config": _configuration_status(),
        "staff": _staff_summary(),
        "recent_role_changes": list(RoleChange.objects.select_related("user", "actor")[:RECENT_ROWS]),
        "recent_admin_log": list(
            LogEntry.objects.select_related("user", "content_type").order_by("-action_time", "-pk")[:RECENT_ROWS]
        ),
        "jobs": Job.objects.filter(state__in=[JobState.FAILED, JobState.PENDING, JobState.RUNNING]).aggregate(
            failed=Count("pk", filter=Q(state=JobState.FAILED)),
            waiting=Count("pk", filter=Q(state__in=[JobState.PENDING, JobState.RUNNING])),
        ),
        # Mails the intake could not read are kept for an admin: the home page says when some wait.
        "mails_to_review": unread_mails().count(),
    }


def _configuration_status() -> dict:
    uncovered = Branch.objects.filter(is_active=True, business_calendar__isnull=True).order_by("code")
    policies = {p.severity: p for p in SlaPolicy.objects.all()}
    sla = [
        {"severity": severity.label, "policy": policies.get(severity), "default": DEFAULT_LIMITS[severity]}
        for severity in Severity
    ]
    quadrants = set(QuadrantPolicy.objects.values_list("quadrant", flat=True))
    categories = Category.objects.aggregate(active=Count("pk", filter=Q(is_active=True)), total=Count("pk"))
    return {
        "default_calendar": BusinessCalendar.objects.filter(branch__isnull=True).exists(),
        "branches_without_calendar": list(uncovered.values_list("name", flat=True)[:BRANCHES_LISTED]),
        "branches_without_calendar_count": uncovered.count(),
        "active_categories": categories["active"],
        "categories": categories["total"],
        "sla": sla,
        "sla_missing": sum(1 for row in sla if row["policy"] is None),
        "complaint_settings": ComplaintSettings.objects.filter(pk=1).first(),
        "value_matrix": ValueMatrixSettings.objects.filter(pk=1).first(),
        "quadrants_missing": [q.label for q in Quadrant if q not in quadrants],
        "last_classification": ClassificationRun.objects.select_related("triggered_by").first(),
    }


def _staff_summary() -> dict:
    User = get_user_model()
    memberships = User.groups.through.objects.filter(user_id=OuterRef("pk"))
    has_role = Exists(memberships.filter(group__name__in=Role.values))
    needs_branch = Exists(memberships.filter(group__name__in=BRANCH_ROLES))
    active = Q(is_active=True)
    counts = User.objects.aggregate(
        active=Count("pk", filter=active),
        inactive=Count("pk", filter=~active),
        superusers=Count("pk", filter=active & Q(is_superuser=True)),
        without_role=Count("pk", filter=active & Q(is_superuser=False) & ~has_role),
        without_profile=Count("pk", filter=active & Q(staff_profile__isnull=True)),
        without_branch=Count("pk", filter=active & Q(staff_profile__branch__isnull=True) & needs_branch),
    )
    groups = {
        g.name: g
        for g in Group.objects.filter(name__in=Role.values).annotate(
            members=Count("user", filter=Q(user__is_active=True))
        )
    }
    per_role = [
        {"label": role.label, "group": groups.get(role), "count": groups[role].members if role in groups else 0}
        for role in reversed(ROLE_PRECEDENCE)
    ]
    return {**counts, "per_role": per_role}

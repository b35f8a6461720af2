"""What each role's home page shows, composed from the apps' selectors."""

from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
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
        return {"role": access.role, "branch": None, "csi": csi_headline(user), **admin_home_context(user)}
    customers = customer_list_for_user(user=user)
    per_branch = None
    if access.role == Role.GENERAL_MANAGER:
        # One grouped count over the customers' (branch, status) index serves the branch table and the total: a
        # join of every customer to its branch read the whole table (87 ms at 200,000 customers).
        per_branch = dict(customers.order_by().values_list("branch_id").annotate(n=Count("*")))
    context: dict = {
        "role": access.role,
        "branch": Branch.objects.filter(pk=access.branch_id).first() if access.branch_id else None,
        "customer_count": sum(per_branch.values()) if per_branch is not None else customers.count(),
        "recent_customers": list(customers.order_by("-created_at")[:5]),
        "complaint_counts": complaint_queue_counts(user=user),
        "urgent_complaints": list(complaint_list_for_user(user=user).open().order_by("resolution_due_at")[:8]),
        "csi": csi_headline(user),
    }
    if per_branch is not None:
        context["branches"] = list(Branch.objects.filter(is_active=True).order_by("code"))
        for branch in context["branches"]:
            branch.customer_total = per_branch.get(branch.pk, 0)
    return context


class _Count(Subquery):
    """COUNT(*) of a queryset's rows, as a scalar subquery (0 when there are none)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = IntegerField()

    def __init__(self, queryset, **extra):
        super().__init__(queryset.order_by().values("pk"), **extra)


def admin_home_context(user) -> dict:
    """Configuration status, users and roles, recent changes: a fixed number of queries at any data size."""
    figures = _figures(user)
    return {
        "config": _configuration_status(figures),
        "staff": _staff_summary(figures),
        "recent_role_changes": list(RoleChange.objects.select_related("user", "actor")[:RECENT_ROWS]),
        "recent_admin_log": list(
            LogEntry.objects.select_related("user", "content_type").order_by("-action_time", "-pk")[:RECENT_ROWS]
        ),
        "jobs": {"failed": figures["jobs_failed"], "waiting": figures["jobs_waiting"]},
        # Mails the intake could not read are kept for an admin: the home page says when some wait.
        "mails_to_review": figures["mails_to_review"],
    }


def _figures(user) -> dict:
    """Every count the page shows, each a subquery of one query: selected on the admin's own row, as a query needs
    a row to select from and theirs is there whenever they are signed in."""
    User = get_user_model()
    memberships = User.groups.through.objects.filter(user_id=OuterRef("pk"))
    active = User.objects.filter(is_active=True)
    expressions = {
        "default_calendar": Exists(BusinessCalendar.objects.filter(branch__isnull=True)),
        "uncovered": _Count(_uncovered_branches()),
        "categories": _Count(Category.objects.all()),
        "active_categories": _Count(Category.objects.filter(is_active=True)),
        "jobs_failed": _Count(Job.objects.filter(state=JobState.FAILED)),
        "jobs_waiting": _Count(Job.objects.filter(state__in=[JobState.PENDING, JobState.RUNNING])),
        "mails_to_review": _Count(unread_mails()),
        "active": _Count(active),
        "inactive": _Count(User.objects.filter(is_active=False)),
        "superusers": _Count(active.filter(is_superuser=True)),
        "without_role": _Count(
            active.filter(is_superuser=False).exclude(Exists(memberships.filter(group__name__in=Role.values)))
        ),
        "without_profile": _Count(active.filter(staff_profile__isnull=True)),
        "without_branch": _Count(
            active.filter(staff_profile__branch__isnull=True).filter(
                Exists(memberships.filter(group__name__in=BRANCH_ROLES))
            )
        ),
        **{f"quadrant_{q}": Exists(QuadrantPolicy.objects.filter(quadrant=q)) for q in Quadrant.values},
        **{f"group_{role}": Subquery(Group.objects.filter(name=role).values("pk")[:1]) for role in Role.values},
        **{f"members_{role}": _Count(active.filter(groups__name=role)) for role in Role.values},
    }
    return User.objects.filter(pk=user.pk).values(**expressions).get()


def _uncovered_branches():
    return Branch.objects.filter(is_active=True, business_calendar__isnull=True)


def _configuration_status(figures: dict) -> dict:
    policies = {p.severity: p for p in SlaPolicy.objects.all()}
    sla = [
        {"severity": severity.label, "policy": policies.get(severity), "default": DEFAULT_LIMITS[severity]}
        for severity in Severity
    ]
    return {
        "default_calendar": figures["default_calendar"],
        "branches_without_calendar": list(
            _uncovered_branches().order_by("code").values_list("name", flat=True)[:BRANCHES_LISTED]
        ),
        "branches_without_calendar_count": figures["uncovered"],
        "active_categories": figures["active_categories"],
        "categories": figures["categories"],
        "sla": sla,
        "sla_missing": sum(1 for row in sla if row["policy"] is None),
        "complaint_settings": ComplaintSettings.objects.filter(pk=1).first(),
        "value_matrix": ValueMatrixSettings.objects.filter(pk=1).first(),
        "quadrants_missing": [q.label for q in Quadrant if not figures[f"quadrant_{q.value}"]],
        "last_classification": ClassificationRun.objects.select_related("triggered_by").first(),
    }


def _staff_summary(figures: dict) -> dict:
    names = ("active", "inactive", "superusers", "without_role", "without_profile", "without_branch")
    per_role = [
        {
            "label": role.label,
            "group": Group(pk=figures[f"group_{role.value}"], name=role.value)
            if figures[f"group_{role.value}"]
            else None,
            "count": figures[f"members_{role.value}"],
        }
        for role in reversed(ROLE_PRECEDENCE)
    ]
    return {**{name: figures[name] for name in names}, "per_role": per_role}

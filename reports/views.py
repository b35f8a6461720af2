"""The complaint statistics (投诉总结, reports.view) and the corrective actions (整改).

Every chart has a table with the same numbers and a CSV / Excel export of it (through crm_site.exports.tables), so
the page is readable without JavaScript and the numbers can be checked. ``Report`` computes each figure once, when
a table first asks for it: the page asks for all of them (a fixed number of queries whatever the data size), an
export only for its own.
"""

from dataclasses import dataclass
from functools import cached_property

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from complaints.models import RootCauseGroup
from complaints.selectors import complaint_get_for_user
from complaints.workflow import Step
from crm_site.exports.tables import table_response
from crm_site.org.access import access_of
from crm_site.org.policy import allowed, can

from . import selectors
from .forms import ActionFilterForm, ActionMoveForm, CorrectiveActionForm, ReportFilterForm
from .selectors import ReportFilters, corrective_action_get_for_user
from .services import (
    ActionError,
    corrective_action_change,
    corrective_action_create,
    corrective_action_move,
    owner_candidates,
)
from .workflow import ActionMoveRefused, ActionStatus, allowed_targets


def _round(value):
    return None if value is None else round(value, 1)


@dataclass
class Table:
    """One chart's numbers: what its table view shows and its export holds (str, int, float or None cells)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list]

    @property
    def display_rows(self) -> list[list[tuple[str, bool]]]:
        no_data = _("no data")
        return [[_display(value, no_data) for value in row] for row in self.rows]


def _display(value, no_data: str) -> tuple[str, bool]:
    if value is None:
        return no_data, True
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value), False
    if isinstance(value, float):
        return formats.number_format(value, 1, force_grouping=True), True
    return formats.number_format(value, 0, force_grouping=True), True


DIMENSION_TITLES = {
    "category": lambda: _("Complaints by category"),
    "root_cause_group": lambda: _("Complaints by root-cause group"),
    "root_cause": lambda: _("Complaints by root cause"),
    "department": lambda: _("Complaints by responsible department"),
    "branch": lambda: _("Complaints by branch"),
    "channel": lambda: _("Complaints by channel"),
    "severity": lambda: _("Complaints by severity"),
    "month": lambda: _("Complaints by month"),
}
DIMENSION_HEADS = {
    "category": lambda: _("Category"),
    "root_cause_group": lambda: _("Root-cause group"),
    "root_cause": lambda: _("Root cause"),
    "department": lambda: _("Department"),
    "branch": lambda: _("Branch"),
    "channel": lambda: _("Channel"),
    "severity": lambda: _("Severity"),
    "month": lambda: _("Month"),
}
TABLES = (
    *(f"by_{d}" for d in selectors.DIMENSIONS),
    "pareto",
    "quarter_causes",
    "quarter_remedies",
    "sla_by_branch",
    "sla_by_severity",
    "step_durations",
    "repeats_by_month",
    "compensation",
    "revisits",
    "open_actions",
)


class Report:
    """The figures for one user and filters, each computed on first use."""

    def __init__(self, *, user, filters: ReportFilters, choices: dict | None = None):
        self.user = user
        self.filters = filters
        self.choices = choices

    @cached_property
    def sums(self):
        """The monthly sums when the period is whole months (``selectors.reads_summary``), else None: live."""
        if not selectors.reads_summary(self.filters):
            return None
        return selectors.month_sums(user=self.user, filters=self.filters, choices=self.choices)

    @cached_property
    def summary(self):
        if self.sums is not None:
            return selectors.summary_from_sums(self.sums)
        return selectors.summary(user=self.user, filters=self.filters)

    @cached_property
    def pareto(self):
        if self.sums is not None:
            return selectors.pareto_from_sums(self.sums, limit=selectors.ROOT_CAUSE_LIMIT)
        return selectors.pareto(user=self.user, filters=self.filters, limit=selectors.ROOT_CAUSE_LIMIT)

    @cached_property
    def actions(self):
        return selectors.open_actions_by_cause(user=self.user, filters=self.filters)

    def counts(self, by: str):
        if self.sums is not None:
            return selectors.counts_from_sums(self.sums, by)
        return selectors.counts_by(user=self.user, filters=self.filters, by=by)

    # --- Tables ----------------------------------------------------------------------------------------------------

    def table(self, name: str) -> Table:
        if name not in TABLES:
            raise Http404
        if name.startswith("by_"):
            by = name[3:]
            # The root causes are the Pareto's rows (the same query's numbers, read once).
            counted = self.pareto["rows"] if by == "root_cause" else self.counts(by)
            rows = [[row["label"], row["count"], _round(row["share"])] for row in counted]
            return Table(name, DIMENSION_TITLES[by](), [DIMENSION_HEADS[by](), _("Complaints"), _("Share (%)")], rows)
        return getattr(self, f"table_{name}")()

    def table_pareto(self) -> Table:
        actions: dict[str, int] = {}
        for action in self.actions:
            actions[action["cause_key"]] = actions.get(action["cause_key"], 0) + 1
        rows = []
        for row in self.pareto["rows"]:
            group_wide = f"{row['group']}|"
            related = actions.get(row["key"], 0) + (actions.get(group_wide, 0) if row["key"] != group_wide else 0)
            rows.append(
                [
                    row["label"],
                    row["count"],
                    _round(row["share"]),
                    _round(row["cumulative"]),
                    related if row["key"] else None,
                ]
            )
        return Table(
            "pareto",
            _("Pareto of causes"),
            [_("Cause"), _("Complaints"), _("Share (%)"), _("Cumulative share (%)"), _("Open corrective actions")],
            rows,
        )

    @cached_property
    def quarters(self):
        if self.sums is not None:
            return selectors.quarter_pattern_from_sums(self.sums)
        return selectors.quarter_pattern(user=self.user, filters=self.filters)

    def table_quarter_causes(self) -> Table:
        q = self.quarters
        return Table(
            "quarter_causes",
            _("Objections by quarter and root-cause group"),
            [_("Root-cause group"), *q["quarters"], _("Total")],
            [[c["label"], *c["counts"], c["total"]] for c in q["causes"]],
        )

    def table_quarter_remedies(self) -> Table:
        q = self.quarters
        return Table(
            "quarter_remedies",
            _("How they were handled: remedies agreed, by quarter"),
            [_("Remedy"), *q["quarters"], _("Total")],
            [[c["label"], *c["counts"], c["total"]] for c in q["remedies"]],
        )

    def sla(self, by: str) -> list[dict]:
        if self.sums is not None:
            return selectors.sla_from_sums(self.sums, by)
        return selectors.sla_compliance(user=self.user, filters=self.filters, by=by)

    def _sla(self, by: str, title: str, head: str) -> Table:
        rows = self.sla(by)
        return Table(
            f"sla_by_{by}",
            title,
            [
                head,
                _("Received"),
                _("Responses due"),
                _("Responded on time"),
                _("Response on time (%)"),
                _("Resolutions due"),
                _("Resolved on time"),
                _("Resolution on time (%)"),
            ],
            [
                [
                    r["label"],
                    r["received"],
                    r["response_due"],
                    r["response_on_time"],
                    _round(r["response_share"]),
                    r["resolution_due"],
                    r["resolution_on_time"],
                    _round(r["resolution_share"]),
                ]
                for r in rows
            ],
        )

    def table_sla_by_branch(self) -> Table:
        return self._sla("branch", _("SLA compliance by branch"), _("Branch"))

    def table_sla_by_severity(self) -> Table:
        return self._sla("severity", _("SLA compliance by severity"), _("Severity"))

    @cached_property
    def step_durations(self) -> list[dict]:
        read = selectors.step_durations_from_times if self.sums is not None else selectors.step_durations
        return read(user=self.user, filters=self.filters)

    def table_step_durations(self) -> Table:
        rows = self.step_durations
        return Table(
            "step_durations",
            _("Time spent in each step (hours)"),
            [_("Step"), _("Complaints"), _("Mean (hours)"), _("90th percentile (hours)")],
            [[r["label"], r["complaints"], _round(r["mean_hours"]), _round(r["p90_hours"])] for r in rows],
        )

    @cached_property
    def repeats(self) -> list[dict]:
        if self.sums is not None:
            return selectors.repeats_from_sums(self.sums)
        return selectors.repeats_and_escalations_by_month(user=self.user, filters=self.filters)

    def table_repeats_by_month(self) -> Table:
        rows = self.repeats
        return Table(
            "repeats_by_month",
            _("Repeat complaints and escalations by month"),
            [
                _("Month"),
                _("Received"),
                _("Repeat complaints"),
                _("Repeat rate (%)"),
                _("Escalated to the branch manager"),
                _("Escalated to the general manager"),
            ],
            [
                [r["month"], r["received"], r["repeats"], _round(r["repeat_rate"]), r["escalated"], r["escalated_gm"]]
                for r in rows
            ],
        )

    @cached_property
    def compensation(self):
        if self.sums is not None:
            return selectors.compensation_from_sums(self.sums)
        return selectors.compensation_by_month(user=self.user, filters=self.filters)

    def table_compensation(self) -> Table:
        c = self.compensation
        rows = []
        for i, month in enumerate(c["months"]):
            amounts = [k["amounts"][i] for k in c["kinds"]]
            rows.append([month, *amounts, round(sum(amounts), 2)])
        return Table(
            "compensation",
            _("Cost of remedies carried out, by month and type"),
            [_("Month"), *[k["label"] for k in c["kinds"]], _("Total")],
            rows,
        )

    @cached_property
    def revisits(self) -> list[dict]:
        if self.sums is not None:
            return selectors.revisits_from_sums(self.sums)
        return selectors.revisit_satisfaction(user=self.user, filters=self.filters)

    def table_revisits(self) -> Table:
        rows = self.revisits
        return Table(
            "revisits",
            _("Revisit satisfaction by month"),
            [_("Month"), _("Revisits"), _("Mean score (1–5)"), _("Satisfied"), _("Satisfied (%)")],
            [
                [r["month"], r["revisits"], _round(r["mean_score"]), r["satisfied"], _round(r["satisfied_share"])]
                for r in rows
            ],
        )

    def table_open_actions(self) -> Table:
        return Table(
            "open_actions",
            _("Open corrective actions and their causes"),
            [
                _("Corrective action"),
                _("Cause addressed"),
                _("Owner"),
                _("Due"),
                _("Status"),
                _("Complaints before"),
                _("Complaints after"),
                _("Days compared"),
            ],
            [
                [
                    a["title"],
                    a["cause"],
                    a["owner"],
                    a["due_on"].isoformat(),
                    a["status"],
                    a["before"],
                    a["after"],
                    a["days"],
                ]
                for a in self.actions
            ],
        )

    # --- Chart data (the json_script island) --------------------------------------------------------------------

    def charts(self, tables: dict[str, Table]) -> dict:
        """What complaint-statistics.js draws, built from the tables so that a chart and its table cannot disagree.
        Each chart: its kind, the category axis and its series (name, values, and where it is drawn)."""
        complaints = _("Complaints")

        def bars(name: str) -> dict:
            rows = tables[name].rows
            return {
                "kind": "hbar",
                "categories": [r[0] for r in rows],
                "series": [{"name": complaints, "data": [r[1] for r in rows]}],
            }

        charts = {f"by_{d}": bars(f"by_{d}") for d in selectors.DIMENSIONS if d != "month"}
        months = tables["by_month"].rows
        charts["by_month"] = {
            "kind": "line",
            "categories": [r[0] for r in months],
            "series": [{"name": complaints, "data": [r[1] for r in months]}],
        }
        pareto = list(tables["pareto"].rows)
        charts["pareto"] = {
            "kind": "pareto",
            "categories": [r[0] for r in pareto],
            "series": [
                {"name": complaints, "data": [r[1] for r in pareto]},
                {"name": _("Cumulative share (%)"), "data": [r[3] for r in pareto]},
            ],
        }
        for name in ("quarter_causes", "quarter_remedies"):
            table = tables[name]
            charts[name] = {
                "kind": "stacked",
                "categories": table.columns[1:-1],
                "series": [{"name": r[0], "data": r[1:-1]} for r in table.rows],
            }
        for name in ("sla_by_branch", "sla_by_severity"):
            rows = tables[name].rows
            charts[name] = {
                "kind": "percent",
                "categories": [r[0] for r in rows],
                "series": [
                    {"name": _("Response on time (%)"), "data": [r[4] for r in rows]},
                    {"name": _("Resolution on time (%)"), "data": [r[7] for r in rows]},
                ],
            }
        steps = tables["step_durations"].rows
        charts["step_durations"] = {
            "kind": "bar",
            "categories": [r[0] for r in steps],
            "series": [
                {"name": _("Mean (hours)"), "data": [r[2] for r in steps]},
                {"name": _("90th percentile (hours)"), "data": [r[3] for r in steps]},
            ],
        }
        repeats = tables["repeats_by_month"].rows
        charts["repeats_by_month"] = {
            "kind": "line",
            "categories": [r[0] for r in repeats],
            "series": [
                {"name": _("Repeat rate (%)"), "data": [r[3] for r in repeats]},
                {"name": _("Escalated to the branch manager"), "data": [r[4] for r in repeats], "axis": 1},
            ],
        }
        cost = tables["compensation"]
        charts["compensation"] = {
            "kind": "stacked",
            "categories": [r[0] for r in cost.rows],
            "series": [
                {"name": head, "data": [r[1 + i] for r in cost.rows]} for i, head in enumerate(cost.columns[1:-1])
            ],
        }
        visits = tables["revisits"].rows
        charts["revisits"] = {
            "kind": "line",
            "categories": [r[0] for r in visits],
            "series": [
                {"name": _("Satisfied (%)"), "data": [r[4] for r in visits]},
                {"name": _("Mean score (1–5)"), "data": [r[2] for r in visits], "axis": 1},
            ],
        }
        return {"labels": {"noData": _("no data")}, "charts": charts}


# --- Pages --------------------------------------------------------------------------------------------------------


def report_for(request) -> tuple[ReportFilterForm, Report]:
    """The filters from the query; a branch the user may not see answers 404 (the selectors say so).

    The one way from a querystring to the figures: the page, its exports and the API's statistics all call it."""
    raw_branch = request.GET.get("branch", "")
    branch_id = int(raw_branch) if raw_branch.isdigit() else None
    choices = selectors.filter_choices(user=request.user)
    form = ReportFilterForm(request.GET or None, choices=choices)
    filters = form.filters(today=timezone.localdate(), branch_id=branch_id)
    selectors.report_complaints(user=request.user, filters=filters)  # 404 before anything is drawn
    return form, Report(user=request.user, filters=filters, choices=choices)


def _pareto_rows(report: Report, table: Table) -> list[dict]:
    """The Pareto table's rows with the open actions beside each cause (those of the cause, and the ones addressing
    its whole group) and what a "raise an action" link needs."""
    rows = []
    for row, display in zip(report.pareto["rows"], table.display_rows, strict=True):
        group_wide = f"{row['group']}|"
        actions = [a for a in report.actions if row["key"] and a["cause_key"] in (row["key"], group_wide)]
        rows.append({"row": row, "cells": display[:4], "actions": actions})
    return rows


@require_GET
@allowed("reports.view")
def statistics(request):
    form, report = report_for(request)
    headline = report.summary
    has_data = headline["received"] > 0
    tables = (
        {name: report.table(name) for name in TABLES} if has_data else {"open_actions": report.table("open_actions")}
    )
    context = {
        "form": form,
        "filters": report.filters,
        "headline": {
            **headline,
            "repeat_rate": _round(headline["repeat_rate"]),
            "escalation_rate": _round(headline["escalation_rate"]),
        },
        "pareto_rows": _pareto_rows(report, tables["pareto"]) if has_data else [],
        "not_recorded": report.pareto["not_recorded"] if has_data else 0,
        "has_data": has_data,
        "tables": tables,
        "query": request.GET.urlencode(),
        "dimension_tables": [tables[f"by_{d}"] for d in selectors.DIMENSIONS] if has_data else [],
        "may_raise": can(request.user, "corrective_action.create"),
        "charts": report.charts(tables) if has_data else {"labels": {}, "charts": {}},
    }
    return render(request, "reports/statistics.html", context)


@require_GET
@allowed("reports.view")
def statistics_export(request, table: str, fmt: str):
    if table not in TABLES or fmt not in ("csv", "xlsx"):
        raise Http404
    _form, report = report_for(request)
    data = report.table(table)
    f = report.filters
    return table_response(
        request,
        kind=f"reports.{table}",
        filename=f"{table}-{f.date_from:%Y%m%d}-{f.date_to:%Y%m%d}",
        columns=[str(c) for c in data.columns],
        rows=data.rows,
        fmt=fmt,
    )


# --- Corrective actions ---------------------------------------------------------------------------------------------

PAGE_SIZE = 50


@require_GET
@allowed("corrective_action.list")
def action_list(request):
    form = ActionFilterForm(request.GET or None)
    qs = selectors.corrective_action_list(user=request.user, filters=form.filters())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.before_after_counts(page.object_list)
    rows = [(action, counts.get(action.pk)) for action in page.object_list]
    return render(
        request,
        "reports/action_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "today": timezone.localdate(),
            "may_raise": can(request.user, "corrective_action.create"),
            "may_read_statistics": can(request.user, "reports.view"),
            "query": request.GET.urlencode(),
        },
    )


@require_http_methods(["GET", "POST"])
@allowed("corrective_action.create")
def action_create(request):
    """Raise an action: ``?complaint=<id>`` prefills from a closed complaint (its cause, category, branch and
    prevention measure); ``?group=…&cause=…&category=…`` from a cause of the Pareto."""
    access = access_of(request.user)
    source = None
    raw = request.GET.get("complaint", "") or request.POST.get("complaint", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        source = complaint_get_for_user(user=request.user, pk=int(raw))
        if source.step != Step.CLOSED:
            messages.error(request, _("Corrective actions are raised from closed complaints."))
            return redirect("complaints:detail", pk=source.pk)
    branch_id = access.branch_id if not access.company_wide else (source.branch_id if source else None)
    today = timezone.localdate()
    initial = {"window_days": 90}
    if source is not None:
        revisit = source.revisits.exclude(prevention_measure="").order_by("-pk").first()
        initial.update(
            {
                "title": (revisit.prevention_measure.splitlines()[0][:200] if revisit else ""),
                "description": revisit.prevention_measure if revisit else "",
                "root_cause_group": source.root_cause_group,
                "root_cause": source.root_cause.strip()[:200],
                "category": source.category_id,
                "branch": source.branch_id,
            }
        )
    else:
        group = request.GET.get("group", "")
        initial.update(
            {
                "root_cause_group": group if group in RootCauseGroup.values else "",
                "root_cause": request.GET.get("cause", "")[:200],
                "category": request.GET.get("category", "") if request.GET.get("category", "").isdigit() else None,
            }
        )
    choices = selectors.filter_choices(user=request.user)
    form = CorrectiveActionForm(
        request.POST or None,
        initial=initial,
        owners=owner_candidates(branch_id=branch_id),
        categories=choices["categories"],
        branches=choices["branches"] if access.company_wide else None,
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        try:
            action = corrective_action_create(
                actor=request.user,
                data=form.data_for(branch_id=access.branch_id),
                source_complaint_id=source.pk if source else None,
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Corrective action raised."))
            return redirect("reports:action_detail", pk=action.pk)
    return render(request, "reports/action_form.html", {"form": form, "source": source, "action": None})


@require_GET
@allowed("corrective_action.view", gate=corrective_action_get_for_user, as_="action")
def action_detail(request, action):
    counts = selectors.before_after_counts([action])[action.pk]
    return render(
        request,
        "reports/action_detail.html",
        {
            "action": action,
            "counts": counts,
            "events": action.events.select_related("actor"),
            "targets": allowed_targets(action.status)
            if can(request.user, "corrective_action.progress", action)
            else [],
            "may_change": action.is_open and can(request.user, "corrective_action.change", action),
        },
    )


@require_http_methods(["GET", "POST"])
@allowed("corrective_action.change", gate=corrective_action_get_for_user, as_="action")
def action_edit(request, action):
    if not action.is_open:
        messages.error(request, _("A done or cancelled action is kept as it was."))
        return redirect("reports:action_detail", pk=action.pk)
    choices = selectors.filter_choices(user=request.user)
    initial = {
        "title": action.title,
        "description": action.description,
        "root_cause_group": action.root_cause_group,
        "root_cause": action.root_cause,
        "category": action.category_id,
        "owner": action.owner_id,
        "due_on": action.due_on,
        "window_days": action.window_days,
    }
    form = CorrectiveActionForm(
        request.POST or None,
        initial=initial,
        owners=owner_candidates(branch_id=action.branch_id),
        categories=choices["categories"],
        today=min(timezone.localdate(), action.due_on),
    )
    if request.method == "POST" and form.is_valid():
        try:
            corrective_action_change(
                actor=request.user, action_id=action.pk, data=form.data_for(branch_id=action.branch_id)
            )
        except ActionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Corrective action changed."))
            return redirect("reports:action_detail", pk=action.pk)
    return render(request, "reports/action_form.html", {"form": form, "source": None, "action": action})


MOVE_VERBS = {
    ActionStatus.IN_PROGRESS: lambda: _("Start"),
    ActionStatus.DONE: lambda: _("Mark done"),
    ActionStatus.CANCELLED: lambda: _("Cancel the action"),
}


@require_http_methods(["GET", "POST"])
@allowed("corrective_action.progress", gate=corrective_action_get_for_user, as_="action")
def action_move(request, action):
    """A status change, confirmed on its own page (GET ?to=…) and done by a POST."""
    to = request.POST.get("to") or request.GET.get("to", "")
    if to not in allowed_targets(action.status):
        messages.error(request, _("That status change is not possible now."))
        return redirect("reports:action_detail", pk=action.pk)
    form = ActionMoveForm(request.POST or None, initial={"to": to})
    if request.method == "POST" and form.is_valid():
        try:
            corrective_action_move(actor=request.user, action_id=action.pk, to=to, note=form.cleaned_data["note"])
        except (ActionError, ActionMoveRefused) as error:
            form.add_error("note", str(error))
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("Status changed to “%(status)s”.") % {"status": ActionStatus(to).label})
            return redirect("reports:action_detail", pk=action.pk)
    return render(
        request,
        "reports/action_move.html",
        {
            "action": action,
            "form": form,
            "to": ActionStatus(to),
            "verb": MOVE_VERBS[ActionStatus(to)](),
            "needs_note": to in (ActionStatus.DONE, ActionStatus.CANCELLED),
        },
    )

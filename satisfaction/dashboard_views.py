"""The CSI dashboard (csi.view): the figures of satisfaction/selectors.py as charts, tables and exports.

Every chart has a table with the same numbers (and a CSV / Excel export of it), so the page is readable without
JavaScript and the numbers can be checked. ``Dashboard`` computes each figure once, when a chart or a table first
asks for it: the page asks for all of them (a fixed number of queries whatever the data size), an export only for
its own table.
"""

from dataclasses import dataclass
from functools import cached_property

from django.http import Http404
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from crm_site.exports import tables
from crm_site.org.access import access_of
from crm_site.org.policy import allowed
from customers.selectors import branches_for_user

from .dashboard_forms import COMPARE_BY, DashboardFilterForm, Selection
from .models import LoyaltyZone
from .selectors import (
    LoyaltyCell,
    complaint_figures,
    csi_by,
    csi_by_dimension,
    csi_items_and_dimensions,
    csi_summaries,
    ipa_from_items,
    ipa_labels,
    loyalty_cell_labels,
    loyalty_contribution,
    loyalty_zones,
    questionnaire_choices,
)

ZONE_COLOURS = {1: "#b02a37", 2: "#fd7e14", 3: "#adb5bd", 4: "#20c997", 5: "#198754"}


def _round(value):
    """Figures are kept exact and rounded to one decimal only to be shown or exported."""
    return None if value is None else round(value, 1)


@dataclass
class Table:
    """One chart's numbers: what its table view shows and its export holds (raw values: str, int, float, None)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list]
    nowrap_first: bool = False  # short first cells (months) that should not break

    @property
    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """Each cell as (text, is_number): one decimal, and "no data" where there is no figure."""
        no_data = _("no data")
        return [[_display(value, no_data) for value in row] for row in self.rows]


def _display(value, no_data: str) -> tuple[str, bool]:
    if value is None:
        return no_data, True
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value), False
    if isinstance(value, float):
        return formats.number_format(value, 1), True
    return formats.number_format(value, 0, force_grouping=True), True


class Dashboard:
    """The figures for one user and selection, each computed on first use."""

    def __init__(self, *, user, selection: Selection):
        self.user = user
        self.selection = selection
        self.current = selection.current
        self.previous = selection.previous

    @cached_property
    def summaries(self):
        return csi_summaries(user=self.user, periods=[self.current, self.previous])  # one query for both

    @cached_property
    def summary(self):
        return self.summaries[0]

    @cached_property
    def previous_summary(self):
        return self.summaries[1]

    @cached_property
    def items_and_dimensions(self):
        return csi_items_and_dimensions(user=self.user, filters=self.current)  # one query for both

    @cached_property
    def dimensions(self):
        return self.items_and_dimensions[1]

    @cached_property
    def previous_dimensions(self):
        return csi_by_dimension(user=self.user, filters=self.previous)

    @cached_property
    def segments(self):
        return csi_by(user=self.user, filters=self.current, by=self.selection.compare_by)

    @cached_property
    def months(self):
        return csi_by(user=self.user, filters=self.current, by="month")

    @cached_property
    def items(self):
        return self.items_and_dimensions[0]

    @cached_property
    def ipa(self):
        return ipa_from_items(self.items)

    @cached_property
    def zones(self):
        return loyalty_zones(user=self.user, filters=self.current)

    @cached_property
    def loyalty(self):
        return loyalty_contribution(user=self.user, filters=self.current)

    @cached_property
    def complaints(self):
        return complaint_figures(user=self.user, filters=self.current)

    # --- Headline ----------------------------------------------------------------------------------------------

    def headline(self) -> dict:
        csi, before = self.summary.csi, self.previous_summary.csi
        change = None if csi is None or before is None else _round(csi) - _round(before)
        return {
            "responses": self.summary.responses,
            "csi": _round(csi),
            "previous_csi": _round(before),
            "previous_responses": self.previous_summary.responses,
            "change": None if change is None else round(change, 1),
            "nps": _round(self.summary.nps.score),
            "nps_answered": self.summary.nps.answered,
        }

    # --- Tables: one per chart --------------------------------------------------------------------------------

    def table_csi_by_dimension(self) -> Table:
        before = {figure.key: figure for figure in self.previous_dimensions}
        now = {figure.key: figure for figure in self.dimensions}
        keys = [figure.key for figure in self.dimensions] + [
            f.key for f in self.previous_dimensions if f.key not in now
        ]
        rows = []
        for key in keys:
            current, previous = now.get(key), before.get(key)
            rows.append(
                [
                    (current or previous).label,
                    _round(current.csi) if current else None,
                    _round(previous.csi) if previous else None,
                    current.responses if current else 0,
                ]
            )
        return Table(
            "csi_by_dimension",
            _("CSI by dimension"),
            [_("Dimension"), _("CSI this period"), _("CSI previous period"), _("Answers")],
            rows,
        )

    def table_csi_by_segment(self) -> Table:
        by = self.selection.compare_by
        titles = {
            "branch": _("CSI by branch"),
            "tier": _("CSI by tier"),
            "quadrant": _("CSI by value quadrant"),
            "template": _("CSI by questionnaire"),
        }
        return Table(
            "csi_by_segment",
            titles[by],
            [str(dict(COMPARE_BY)[by]), _("Responses"), _("CSI"), _("NPS")],
            [[f.label, f.responses, _round(f.csi), _round(f.nps.score)] for f in self.segments],
        )

    def table_csi_by_month(self) -> Table:
        return Table(
            "csi_by_month",
            _("CSI and NPS by month"),
            [
                _("Month"),
                _("Responses"),
                _("CSI"),
                _("NPS"),
                _("Promoters (9–10)"),
                _("Passives (7–8)"),
                _("Detractors (0–6)"),
            ],  # fmt: skip
            [
                [
                    f.label,
                    f.responses,
                    _round(f.csi),
                    _round(f.nps.score),
                    f.nps.promoters,
                    f.nps.passives,
                    f.nps.detractors,
                ]  # fmt: skip
                for f in self.months
            ],
            nowrap_first=True,
        )

    def table_importance_performance(self) -> Table:
        quadrant_of = {item.item_id: quadrant for item, quadrant in self.ipa.items}
        names = ipa_labels()
        return Table(
            "importance_performance",
            _("Importance and performance by item"),
            [
                _("Item"),
                _("Dimension"),
                _("Questionnaire"),
                _("Answers"),
                _("CSI"),
                _("Mean score (1–5)"),
                _("Mean importance (1–10)"),
                _("Quadrant"),
            ],  # fmt: skip
            [
                [
                    item.label,
                    item.dimension,
                    item.template_code,
                    item.answers,
                    _round(item.csi),
                    _round(item.performance),
                    _round(item.importance),
                    names[quadrant_of[item.item_id]] if item.item_id in quadrant_of else "",
                ]  # fmt: skip
                for item in self.items
            ],
        )

    def table_loyalty_zones(self) -> Table:
        columns = [_("Month"), _("Answers")]
        for zone in LoyaltyZone:
            columns += [str(zone.label), _("%(zone)s (%%)") % {"zone": zone.label}]
        rows = []
        for month in self.zones:
            row = [f"{month.month:%Y-%m}", month.total]
            shares = month.shares
            for zone in LoyaltyZone:
                row += [month.counts[zone.value], _round(shares[zone.value])]
            rows.append(row)
        return Table("loyalty_zones", _("Loyalty zones by month"), columns, rows, nowrap_first=True)

    def table_loyalty_contribution(self) -> Table:
        names = loyalty_cell_labels()
        high, low = _("High"), _("Low")
        cells = [
            (high, high, LoyaltyCell.KEEP),
            (high, low, LoyaltyCell.DEVELOP),
            (low, high, LoyaltyCell.WIN_BACK),
            (low, low, LoyaltyCell.LET_GO),
        ]
        return Table(
            "loyalty_contribution",
            _("Loyalty and contribution"),
            [_("Loyalty"), _("Contribution"), _("What to do"), _("Customers")],
            [[loyalty, contribution, names[cell], self.loyalty[cell]] for loyalty, contribution, cell in cells],
        )

    def table_complaints_by_category(self) -> Table:
        return Table(
            "complaints_by_category",
            _("Complaints by category"),
            [_("Category"), _("Complaints")],
            [[name, count] for _code, name, count in self.complaints.by_category],
        )

    def table_complaints_by_cause(self) -> Table:
        return Table(
            "complaints_by_cause",
            _("Complaints by root-cause group"),
            [_("Root-cause group"), _("Complaints")],
            [[name, count] for _code, name, count in self.complaints.by_root_cause],
        )

    def table(self, name: str) -> Table:
        if name not in TABLES:
            raise Http404
        return getattr(self, f"table_{name}")()

    # --- Chart data (the json_script island) -------------------------------------------------------------------

    def charts(self, tables: dict[str, Table]) -> dict:
        """What csi-dashboard.js draws: built from the tables, so a chart and its table cannot disagree."""
        dims = tables["csi_by_dimension"].rows
        months = tables["csi_by_month"].rows
        segments = tables["csi_by_segment"].rows
        names = ipa_labels()
        zone_rows = tables["loyalty_zones"].rows
        return {
            "labels": {
                "csi": _("CSI"),
                "nps": _("NPS"),
                "responses": _("Responses"),
                "thisPeriod": _("This period"),
                "previousPeriod": _("Previous period"),
                "importance": _("Importance (1–10)"),
                "performance": _("Performance (1–5)"),
                "complaints": _("Complaints"),
                "noData": _("no data"),
            },
            "radar": {
                "indicators": [row[0] for row in dims],
                "current": [row[1] for row in dims],
                "previous": [row[2] for row in dims],
            },
            "segments": {
                "names": [row[0] for row in segments],
                "csi": [row[2] for row in segments],
                "responses": [row[1] for row in segments],
            },  # fmt: skip
            "months": {
                "names": [row[0] for row in months],
                "csi": [row[2] for row in months],
                "nps": [row[3] for row in months],
            },  # fmt: skip
            "ipa": {
                "points": [
                    [_round(item.performance), _round(item.importance), item.label, quadrant]
                    for item, quadrant in self.ipa.items
                ],
                "meanImportance": _round(self.ipa.mean_importance),
                "meanPerformance": _round(self.ipa.mean_performance),
                "quadrants": names,
            },
            "zones": {
                "months": [row[0] for row in zone_rows],
                "series": [
                    {
                        "name": str(zone.label),
                        "colour": ZONE_COLOURS[zone.value],
                        "counts": [row[2 + 2 * i] for row in zone_rows],
                        "shares": [row[3 + 2 * i] for row in zone_rows],
                    }
                    for i, zone in enumerate(LoyaltyZone)
                ],
            },
            "complaintCategories": _bars(tables["complaints_by_category"]),
            "complaintCauses": _bars(tables["complaints_by_cause"]),
        }


def _bars(table: Table) -> dict:
    return {"names": [row[0] for row in table.rows], "counts": [row[1] for row in table.rows]}


TABLES = (
    "csi_by_dimension",
    "csi_by_segment",
    "csi_by_month",
    "importance_performance",
    "loyalty_zones",
    "loyalty_contribution",
    "complaints_by_category",
    "complaints_by_cause",
)
COMPLAINT_TABLES = ("complaints_by_category", "complaints_by_cause")


def _dashboard_for(request) -> tuple[DashboardFilterForm, Dashboard]:
    company_wide = access_of(request.user).company_wide
    form = DashboardFilterForm(
        request.GET or None,
        company_wide=company_wide,
        branches=branches_for_user(user=request.user) if company_wide else None,
        questionnaires=questionnaire_choices(),
    )
    selection = form.selection(today=timezone.localdate())
    return form, Dashboard(user=request.user, selection=selection)


@require_GET
@allowed("csi.view")
def dashboard(request):
    form, board = _dashboard_for(request)
    headline = board.headline()
    has_responses = headline["responses"] > 0
    names = [name for name in TABLES if has_responses or name in COMPLAINT_TABLES]
    tables = {name: board.table(name) for name in names}
    complaints = board.complaints
    context = {
        "form": form,
        "selection": board.selection,
        "headline": headline,
        "has_responses": has_responses,
        "tables": tables,
        "complaints": {
            "received": complaints.received,
            "closed": complaints.closed,
            "sla_share": _round(complaints.sla_share),
            "revisits": complaints.revisits,
            "revisit_score": _round(complaints.revisit_score),
        },
        "query": request.GET.urlencode(),
        "ipa_labels": ipa_labels(),
    }
    if has_responses:
        context["charts"] = board.charts(tables)
    else:
        context["charts"] = {"complaintCategories": _bars(tables["complaints_by_category"]),
                             "complaintCauses": _bars(tables["complaints_by_cause"]),
                             "labels": {"complaints": _("Complaints"), "noData": _("no data")}}  # fmt: skip
    return render(request, "satisfaction/dashboard.html", context)


# --- Exports -----------------------------------------------------------------------------------------------------


def safe_cell(value):
    """A cell a spreadsheet will not run (``exports.tables.safe_cell``); numbers stay numbers; no figure is "no
    data", as in the table."""
    if value is None:
        return _("no data")
    return tables.safe_cell(value)


@require_GET
@allowed("csi.view")
def dashboard_export(request, table: str, fmt: str):
    if table not in TABLES or fmt not in tables.FORMATS:
        raise Http404
    _form, board = _dashboard_for(request)
    data = board.table(table)
    return tables.table_response(
        request,
        kind=f"csi_{table}",
        filename=f"{table}-{board.current.date_from:%Y%m%d}-{board.current.date_to:%Y%m%d}",
        columns=[str(c) for c in data.columns],
        rows=[[safe_cell(v) for v in row] for row in data.rows],
        fmt=fmt,
    )

"""The complaint statistics as JSON: the figures of the statistics page (reports/selectors.py), with the same
filters, scope and rule (``reports.view``; a manager who asks for another branch gets 404, as on the page)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from reports import selectors
from reports.views import report_for

from .permissions import PolicyView, allowed_rule

FILTER_PARAMETERS = [
    OpenApiParameter(
        "period", str, enum=["3", "6", "12", "24", "custom"], description=_("Last N months (12 by default), or custom.")
    ),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description=_("With period=custom: the first day (local).")),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description=_("With period=custom: the last day (local).")),
    OpenApiParameter("branch", int, description=_("One branch (a manager: only their own; another is 404).")),
    OpenApiParameter("department", int),
    OpenApiParameter("category", int),
    OpenApiParameter("severity", str),
    OpenApiParameter("channel", str),
]


class FiltersSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    branch_id = serializers.IntegerField(allow_null=True)
    department_id = serializers.IntegerField(allow_null=True)
    category_id = serializers.IntegerField(allow_null=True)
    severity = serializers.CharField(allow_blank=True)
    channel = serializers.CharField(allow_blank=True)


class FigureSerializer(serializers.Serializer):
    filters = FiltersSerializer(help_text=_("The filters the figures were computed with (defaults filled in)."))
    data = serializers.JSONField(help_text=_("The figure, as reports/selectors.py documents it."))


class ByInput(serializers.Serializer):
    by = serializers.ChoiceField(choices=selectors.DIMENSIONS)


class SlaByInput(serializers.Serializer):
    by = serializers.ChoiceField(choices=["branch", "severity"])


class Figure(PolicyView):
    """One figure of the statistics page; ``figure(report, **params)`` reads it from the page's ``Report``, which takes
    whole months from the monthly sums and anything else from the complaints, as the page does."""

    rules = {"GET": allowed_rule("reports.view")}
    by_input = None

    @staticmethod
    def figure(report, **params):  # pragma: no cover - each figure defines it
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        parameters = list(FILTER_PARAMETERS)
        if cls.by_input is not None:
            choices = list(cls.by_input().fields["by"].choices)
            parameters.append(OpenApiParameter("by", str, enum=choices, required=True))

        def get(self, request):
            params = {}
            if self.by_input is not None:
                by = self.by_input(data={"by": request.query_params.get("by")})
                by.is_valid(raise_exception=True)
                params["by"] = by.validated_data["by"]
            _form, report = report_for(request._request)  # the page's filters; another branch: 404
            data = self.figure(report, **params)
            return Response({"filters": FiltersSerializer(report.filters).data, "data": data})

        cls.get = extend_schema(
            tags=["statistics"], summary=cls.__doc__, parameters=parameters, responses=FigureSerializer
        )(get)


class Summary(Figure):
    """Received, closed, open, repeats, escalations and overdue (the headline)."""

    figure = staticmethod(lambda report: report.summary)


class Counts(Figure):
    """Complaints per category, root cause, department, branch, channel, severity or month."""

    by_input = ByInput
    figure = staticmethod(lambda report, by: report.counts(by))


class RepeatsAndEscalations(Figure):
    """Per month: received, repeats, repeat rate, escalations."""

    figure = staticmethod(lambda report: report.repeats)


class Pareto(Figure):
    """The causes, most first, with their cumulative share."""

    figure = staticmethod(lambda report: report.pareto)


class Quarters(Figure):
    """The service-demand pattern of the last eight quarters."""

    figure = staticmethod(lambda report: report.quarters)


class Sla(Figure):
    """First response and resolution on time, per branch or severity."""

    by_input = SlaByInput
    figure = staticmethod(lambda report, by: report.sla(by))


class StepDurations(Figure):
    """Hours spent in each of the six steps (mean and 90th percentile)."""

    figure = staticmethod(lambda report: report.step_durations)


class Compensation(Figure):
    """The cost of the remedies carried out, per month."""

    figure = staticmethod(lambda report: report.compensation)


class Revisits(Figure):
    """Revisits and the satisfied share, per month."""

    figure = staticmethod(lambda report: report.revisits)


urlpatterns = [
    path("statistics/summary/", Summary.as_view(), name="statistics_summary"),
    path("statistics/counts/", Counts.as_view(), name="statistics_counts"),
    path("statistics/repeats/", RepeatsAndEscalations.as_view(), name="statistics_repeats"),
    path("statistics/pareto/", Pareto.as_view(), name="statistics_pareto"),
    path("statistics/quarters/", Quarters.as_view(), name="statistics_quarters"),
    path("statistics/sla/", Sla.as_view(), name="statistics_sla"),
    path("statistics/step-durations/", StepDurations.as_view(), name="statistics_step_durations"),
    path("statistics/compensation/", Compensation.as_view(), name="statistics_compensation"),
    path("statistics/revisits/", Revisits.as_view(), name="statistics_revisits"),
]

"""manage.py rebuild_complaint_summary: recompute the statistics' monthly sums (reports.services)."""

from crm_site.management.monthly import MonthlyRebuildCommand
from reports.services import complaint_summary_rebuild


class Command(MonthlyRebuildCommand):
    help = "Recompute the monthly complaint sums (ComplaintMonth, ComplaintStepTime) from the complaints."

    def rebuild(self, months):
        return complaint_summary_rebuild(months=months)

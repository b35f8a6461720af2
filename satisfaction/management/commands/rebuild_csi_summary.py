"""manage.py rebuild_csi_summary: recompute the CSI monthly sums (satisfaction.services.csi_summary_rebuild)."""

from crm_site.management.monthly import MonthlyRebuildCommand
from satisfaction.services import csi_summary_rebuild


class Command(MonthlyRebuildCommand):
    help = "Recompute the monthly CSI sums (AnswerMonth, ResponseMonth) from answers and responses: one month, or all."

    def rebuild(self, months):
        return csi_summary_rebuild(months=months)

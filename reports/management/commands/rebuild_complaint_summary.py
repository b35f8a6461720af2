"""manage.py rebuild_complaint_summary: recompute the statistics' monthly sums (reports.services)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.services import complaint_summary_rebuild


class Command(BaseCommand):
    help = "Recompute the monthly complaint sums (ComplaintMonth, ComplaintStepTime) from the complaints."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="the month to rebuild, YYYY-MM (default: every month)")

    def handle(self, *args, month=None, **options):
        months = None
        if month:
            try:
                months = [datetime.strptime(month, "%Y-%m").date()]
            except ValueError as exc:
                raise CommandError(_("--month must be a month like 2026-11.")) from exc
        rows = complaint_summary_rebuild(months=months)
        self.stdout.write(_("%(rows)s monthly summary rows written.") % {"rows": rows})

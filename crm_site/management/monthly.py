"""The shape of the ``rebuild_*_summary`` commands: one month (``--month YYYY-MM``) or every month, rebuilt by a
service that returns the rows it wrote."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class MonthlyRebuildCommand(BaseCommand):
    def rebuild(self, months):  # pragma: no cover - each command names its service
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("--month", help="the month to rebuild, YYYY-MM (default: every month)")

    def handle(self, *args, month=None, **options):
        months = None
        if month:
            try:
                months = [datetime.strptime(month, "%Y-%m").date()]
            except ValueError as exc:
                raise CommandError(_("--month must be a month like 2026-11.")) from exc
        rows = self.rebuild(months)
        self.stdout.write(_("%(rows)s monthly summary rows written.") % {"rows": rows})

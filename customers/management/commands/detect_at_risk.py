from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from customers.services import customers_detect_at_risk


class Command(BaseCommand):
    help = "Flag active customers who stopped buying or spend much less as at risk; return recovered ones to active."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="Detect as on this day (YYYY-MM-DD); default today.")

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(_("--as-of must be a date like 2026-03-31.")) from exc
        result = customers_detect_at_risk(as_of=as_of)
        self.stdout.write(
            _("At risk: %(flagged)s newly flagged, %(recovered)s back to active.")
            % {"flagged": result.flagged, "recovered": result.recovered}
        )

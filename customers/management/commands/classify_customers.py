from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from customers.services import customers_recompute


class Command(BaseCommand):
    help = (
        "Recompute every customer's current value, potential, value quadrant and A/B/C tier (set-based), "
        "keeping each change, then the at-risk flags, then give customers without a visit plan their quadrant's "
        'default plan: the same steps as "Recompute now" and the nightly schedule.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="Classify as on this day (YYYY-MM-DD); default today.")
        parser.add_argument("--no-plans", action="store_true", help="Do not create default visit plans.")

    def handle(self, *args, **options):
        as_of = None
        if options["as_of"]:
            try:
                as_of = date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(_("--as-of must be a date like 2026-03-31.")) from exc
        result = customers_recompute(as_of=as_of, default_plans=not options["no_plans"])
        run = result.run
        self.stdout.write(
            _(
                "Classified %(count)s customers as of %(day)s: %(quadrants)s quadrant and %(tiers)s tier changes "
                "(high current value from %(ct)s, high potential from %(pt)s)."
            )
            % {
                "count": run.customers_classified,
                "day": run.as_of,
                "quadrants": run.quadrant_changes,
                "tiers": run.tier_changes,
                "ct": run.current_threshold,
                "pt": run.potential_threshold,
            }
        )
        self.stdout.write(
            _("At risk: %(flagged)s newly flagged, %(recovered)s back to active.")
            % {"flagged": result.at_risk.flagged, "recovered": result.at_risk.recovered}
        )
        if not options["no_plans"]:
            self.stdout.write(_("Default visit plans created: %(count)s.") % {"count": result.plans_created})

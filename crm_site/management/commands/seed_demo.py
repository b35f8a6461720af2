from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from crm_site.demo import DEMO_PASSWORD, seed_all


class Command(BaseCommand):
    help = "Create or complete the demo data (idempotent: safe to run again)."

    def handle(self, *args, **options):
        counts = seed_all()
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data ready: %(users)s users, %(customers)s customers, %(complaints)s complaints.") % counts
            )
        )
        self.stdout.write(_("Demo password for every demo user: %(password)s") % {"password": DEMO_PASSWORD})

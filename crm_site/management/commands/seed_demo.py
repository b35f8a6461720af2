from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.translation import gettext as _

from crm_site.demo import DEMO_PASSWORD, seed_all


class Command(BaseCommand):
    help = "Create or complete the demo data (idempotent: safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help=_("Seed even with DEBUG off (never on a real production site).")
        )

    def handle(self, *args, force: bool = False, **options):
        # The demo admin's password is published in the README: never create it on a production site by accident.
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "DEBUG is off: refusing to create demo users with the published password. To set up a real "
                    "company, run manage.py setup_company (see deploy/company.example.toml)."
                )
            )
        counts = seed_all()
        self.stdout.write(
            self.style.SUCCESS(
                _("Demo data ready: %(users)s users, %(customers)s customers, %(complaints)s complaints.") % counts
            )
        )
        self.stdout.write(_("Demo password for every demo user: %(password)s") % {"password": DEMO_PASSWORD})
        public_form = settings.SITE_URL.rstrip("/") + reverse("intake:form")
        self.stdout.write(_("Customers file complaints themselves at: %(url)s") % {"url": public_form})

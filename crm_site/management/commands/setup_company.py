import getpass
import os
import re
import secrets
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django.utils.translation import gettext as _

from crm_site.setup import (
    AdminPasswordRefused,
    CompanySetupError,
    admin_exists,
    company_setup,
    company_spec_parse,
    company_spec_read,
)

PASSWORD_VARIABLE = "SETUP_ADMIN_PASSWORD"  # noqa: S105 (the variable's name)
# The argument that gave each key of the input, for error messages when there is no file.
_OPTION_OF_KEY = [
    (re.compile(r"admin\.username"), "--admin-username"),
    (re.compile(r"admin\.email"), "--admin-email"),
    (re.compile(r"admin\.first_name"), "--admin-first-name"),
    (re.compile(r"admin\.last_name"), "--admin-last-name"),
    (re.compile(r"branches\[\d+\].*"), "--branch"),
    (re.compile(r"departments\[\d+\].*"), "--department"),
    (re.compile(r"calendar\.working_days"), "--working-days"),
    (re.compile(r"calendar\.day_starts"), "--day-starts"),
    (re.compile(r"calendar\.day_ends"), "--day-ends"),
]
_INPUT_OPTIONS = [
    "admin_username",
    "admin_email",
    "admin_first_name",
    "admin_last_name",
    "branch",
    "department",
    "working_days",
    "day_starts",
    "day_ends",
]


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "Create the company's starting configuration: the first admin, branches, departments, the business "
            "calendar and holidays, from a TOML file (--file) or from the arguments. Safe to run again: what is "
            "already there is updated or left as it is, never duplicated, and nothing is deleted. The admin gets "
            "the administrator role, which can do all the configuration in /config/ (users, branches, SLA, "
            "categories, calendars); --superuser also makes it a Django superuser. The admin password comes from "
            "SETUP_ADMIN_PASSWORD, else is asked for (on a terminal), else is made up and shown once."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            help=_(
                "A TOML file with the whole configuration (see deploy/company.example.toml); "
                "not with the arguments below."
            ),
        )
        parser.add_argument("--admin-username", help=_("The first admin's login."))
        parser.add_argument("--admin-email", help=_("The first admin's email address."))
        parser.add_argument("--admin-first-name", help=_("The first admin's first name (optional)."))
        parser.add_argument("--admin-last-name", help=_("The first admin's last name (optional)."))
        parser.add_argument(
            "--branch", action="append", default=[], metavar="CODE=Name", help=_("A branch (repeat for each one).")
        )
        parser.add_argument(
            "--department", action="append", default=[], metavar="NAME", help=_("A department (repeat for each one).")
        )
        parser.add_argument(
            "--working-days", metavar="1,2,3,4,5", help=_("The company's working days, 1 = Monday … 7 = Sunday.")
        )
        parser.add_argument("--day-starts", metavar="HH:MM", help=_("When the working day starts."))
        parser.add_argument("--day-ends", metavar="HH:MM", help=_("When the working day ends."))
        parser.add_argument(
            "--superuser", action="store_true", help=_("Also make the admin a superuser (not needed to configure).")
        )
        parser.add_argument(
            "--reset-admin-password",
            action="store_true",
            help=_("Set a new password for an admin login that already exists (otherwise it is left alone)."),
        )

    def handle(self, *args, **options):
        path: Path | None = options["file"]
        password, password_source, show_password = None, PASSWORD_VARIABLE, False
        try:
            if path is not None:
                if any(options[name] for name in _INPUT_OPTIONS):
                    raise CommandError(_("Give either --file or the arguments, not both: nothing was changed."))
                spec = company_spec_read(path)
            else:
                spec = company_spec_parse(self._input_from_arguments(options))
            if options["reset_admin_password"] or not admin_exists(spec.admin.username):
                password, password_source, show_password = self._admin_password(spec.admin.username)
            report = company_setup(spec=spec, admin_password=password, superuser=options["superuser"])
        except CompanySetupError as error:
            raise CommandError(
                _("%(where)s: %(problem)s Nothing was changed.")
                % {"where": self._where(error, path, password_source), "problem": error.message}
            ) from None

        for title, lines in (
            (_("Created (%(count)s):"), report.created),
            (_("Already there (%(count)s):"), report.existing),
            (_("Updated (%(count)s):"), report.updated),
        ):
            if lines:
                self.stdout.write(title % {"count": len(lines)})
                for line in lines:
                    self.stdout.write(f"  - {line}")
        self.stdout.write(self.style.SUCCESS(_("The company is set up; nothing was deleted.")))
        if show_password:
            self.stdout.write(
                _("Password of %(username)s: %(password)s") % {"username": spec.admin.username, "password": password}
            )
            self.stdout.write(
                self.style.WARNING(
                    _("It is shown only this once: change it at the first login (%(url)s).")
                    % {"url": reverse("password_change")}
                )
            )
        site = settings.CSRF_TRUSTED_ORIGINS[0] if settings.CSRF_TRUSTED_ORIGINS else _("the site's address")
        config = reverse("admin:index")
        self.stdout.write(_("Next steps:"))
        self.stdout.write(
            "  1. " + _("Log in at %(site)s as %(username)s.") % {"site": site, "username": spec.admin.username}
        )
        self.stdout.write(
            "  2. "
            + _("Add your staff in %(config)s → Users → Add: one form for the login, the role and the branch.")
            % {"config": config}
        )
        self.stdout.write(
            "  3. " + _("Set the SLA limits and the complaint categories in %(config)s.") % {"config": config}
        )

    @staticmethod
    def _input_from_arguments(options) -> dict:
        """The arguments as the tables of a TOML file, so both are checked by the same rules."""
        admin = {
            key: options[f"admin_{key}"]
            for key in ("username", "email", "first_name", "last_name")
            if options[f"admin_{key}"] is not None
        }
        data: dict = {"admin": admin, "departments": options["department"]}
        branches = []
        for i, value in enumerate(options["branch"], start=1):
            code, sep, name = value.partition("=")
            if not sep:
                raise CompanySetupError(f"branches[{i}]", _("write it as CODE=Name, e.g. BJ01=Beijing."))
            branches.append({"code": code, "name": name})
        data["branches"] = branches
        calendar = {key: options[key] for key in ("working_days", "day_starts", "day_ends") if options[key] is not None}
        if calendar:
            data["calendar"] = calendar
        return data

    def _admin_password(self, username: str) -> tuple[str, str, bool]:
        """(the password, where it came from, whether to print it): the environment, the terminal, or made up."""
        password = os.environ.get(PASSWORD_VARIABLE)
        if password:
            return password, PASSWORD_VARIABLE, False
        if sys.stdin.isatty():
            password = getpass.getpass(_("Password for %(username)s: ") % {"username": username})
            if password != getpass.getpass(_("Password (again): ")):
                raise CommandError(_("The two passwords differ: nothing was changed."))
            return password, _("the password typed"), False
        return secrets.token_urlsafe(12), _("the password made up"), True

    @staticmethod
    def _where(error: CompanySetupError, path: Path | None, password_source: str) -> str:
        if isinstance(error, AdminPasswordRefused):
            return password_source
        key = error.key
        if path is not None:
            return key if key == str(path) else f"{path}: {key}"
        return next((option for pattern, option in _OPTION_OF_KEY if pattern.fullmatch(key)), key)

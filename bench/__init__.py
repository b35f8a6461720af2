"""Performance benchmark harness: a synthetic-data generator and a request benchmark (see bench/README.md).

Not part of the test suite and not run in CI: performance is measured here, never by timed unit tests.
"""

import os

# Bench rows are recognisable by these prefixes; --reset and --remove touch nothing else.
BRANCH_PREFIX = "BN-"
CUSTOMER_PREFIX = "BN-"
TAG_PREFIX = "BN-"
DEPARTMENT_PREFIX = "BN-"
USER_PREFIX = "bench_"
# Bench questionnaires (codes bench-…); their campaigns, invitations and answers go with them.
SURVEY_TEMPLATE_PREFIX = "bench-"
# Bench complaints are numbered TS-<year>-9NNNNNN (7 digits, from 9000001 each year): real numbers come from
# complaints.NumberSequence, which starts at 1 every year (6 digits, TS-<year>-000001), so the two ranges
# never meet unless a year's real counter passes nine million (the generator refuses then). Removal selects
# complaints of bench customers whose number matches COMPLAINT_NUMBER_REGEX, which also matches the 6-digit
# TS-<year>-9NNNNN of data generated before the range grew.
COMPLAINT_SERIAL_FROM = 9_000_001
COMPLAINT_SERIAL_TO = 9_999_999
COMPLAINT_NUMBER_REGEX = r"^TS-[0-9]{4}-9[0-9]{5,6}$"

BRANCHES = 10
FRONTLINE_PER_BRANCH = 3

# The users bench.run logs in as (force_login: no password, no axes).
FRONTLINE_USERNAME = f"{USER_PREFIX}fl_01_1"
GENERAL_MANAGER_USERNAME = f"{USER_PREFIX}gm"
MANAGER_USERNAME = f"{USER_PREFIX}mgr_01"  # manager of branch BN-01: the approval queue


def setup_django() -> None:
    """Configure Django as manage.py does (DATABASE_URL picks the database)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.base")
    import django

    django.setup()

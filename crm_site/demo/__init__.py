"""Demo data for `manage.py seed_demo`: idempotent, one module per app, in dependency order."""

from django.db import transaction

from . import complaints, customers, org, satisfaction

DEMO_PASSWORD = "crm-demo-2026"  # noqa: S105 - documented demo password, never used in prod


@transaction.atomic
def seed_all() -> dict:
    people = org.seed(password=DEMO_PASSWORD)
    counts = {"users": len(people.users)}
    counts["customers"] = customers.seed(people)
    counts["complaints"] = complaints.seed(people)
    counts["survey_responses"] = satisfaction.seed(people)
    return counts

"""The customers app's background jobs (crm_site/jobs): what a worker does with a "customers.recompute" row."""

from datetime import date

from django.utils.translation import gettext_lazy as _

from crm_site.jobs.services import job_handler

from . import services

RECOMPUTE = "customers.recompute"


@job_handler(RECOMPUTE, label=_("Recompute customer values and tiers"))
def recompute(job) -> dict:
    """The whole recomputation (services.customers_recompute), started by the job's requester, as of its day."""
    as_of = job.payload.get("as_of")
    done = services.customers_recompute(actor=job.created_by, as_of=date.fromisoformat(as_of) if as_of else None)
    return {"run": done.run.pk, "plans_created": done.plans_created}

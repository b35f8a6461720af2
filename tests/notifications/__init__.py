"""Tests of notifications. The kinds that real schedulers send are registered by their apps; these tests register
one of their own, about a complaint and behind the complaint's gate, as a sending app would."""

from contextlib import contextmanager

from django.utils.translation import gettext_lazy as _

from complaints.selectors import complaint_get_for_user
from crm_site.notifications import registry
from crm_site.notifications.services import notify

TEST_KIND = "tests.complaint_registered"
OTHER_KIND = "tests.complaint_reminder"


@contextmanager
def kinds_registered():
    """Two kinds about complaints, removed again afterwards. Their titles are messages the catalogue already
    translates, so what a reader sees in Chinese comes from the catalogue, not from these tests."""
    for kind, title, label in (
        (TEST_KIND, _("Complaint %(number)s registered."), _("Complaints")),
        (OTHER_KIND, _("Complaint"), _("Complaint")),
    ):
        registry.register(
            registry.NotificationKind(
                kind=kind,
                subject_type="complaint",
                title=title,
                url_name="complaints:detail",
                gate=complaint_get_for_user,
                label=label,
            )
        )
    try:
        yield
    finally:
        registry.KINDS.pop(TEST_KIND, None)
        registry.KINDS.pop(OTHER_KIND, None)


def tell(user, complaint, moment: str = "now", kind: str = TEST_KIND):
    """One notification about the complaint for the user, through the real service."""
    (created,) = notify(
        recipients=[user], kind=kind, subject_id=complaint.pk, params={"number": complaint.number}, moment=moment
    )
    return created

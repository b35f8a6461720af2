"""The authentication backend: each request's user loaded with their role and branch (``AccessBackend``) and the
unread count the bell in the navigation bar shows, all in the one query that loads the user."""

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from crm_site.org.access import AccessBackend

from .models import Notification

UNREAD_ATTR = "_crm_unread"


def _unread_count() -> Coalesce:
    """notification_unread_count's COUNT on the partial unread index, as a subquery (no row counted: 0)."""
    unread = Notification.objects.filter(recipient_id=OuterRef("pk"), read_at__isnull=True).order_by()
    return Coalesce(Subquery(unread.values("recipient_id").annotate(n=Count("pk")).values("n")), 0)


class SignedInBackend(AccessBackend):
    def users(self) -> QuerySet:
        return super().users().annotate(**{UNREAD_ATTR: _unread_count()})

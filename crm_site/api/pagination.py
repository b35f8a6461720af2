from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination


class NewestFirst(CursorPagination):
    """Cursor pages (stable while rows are added; no COUNT query), newest first with the id as tie-breaker."""

    ordering = ("-created_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    page_size_query_description = _("Number of results per page (at most 100).")
    max_page_size = 100

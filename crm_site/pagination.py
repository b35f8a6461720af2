"""Pages over lists that may hold a million rows: the count stops at a cap, and deep pages read the keys first.

An exact ``COUNT(*)`` over every complaint in scope, on every list view, costs more than the page itself once a
company has years of history; nobody pages past the first few hundred rows of a queue, they filter. So the count
reads at most ``cap + 1`` keys, and past the cap the page says "more than …" and offers the pages up to the cap.
A deep page first reads the 25 keys under its OFFSET from the table (an index walk, no joins) and then the rows
with their joins by key, so the joins run for 25 rows, not for the OFFSET's thousands.
"""

from functools import cached_property

from django.core.paginator import Page, Paginator

DEFAULT_CAP = 5000
# From this OFFSET on, keys first (one more query); above it the single query is cheaper.
KEYS_FIRST_FROM = 200


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, cap: int | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = DEFAULT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> int:
        return self.object_list.values("pk").order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """More rows match than the pages offer."""
        return self._counted > self.cap

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        if bottom < KEYS_FIRST_FROM:
            return self._get_page(self.object_list[bottom:top], number, self)
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.order_by().filter(pk__in=keys)}
        return self._get_page([rows[key] for key in keys if key in rows], number, self)

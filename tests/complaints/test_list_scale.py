"""The complaint list at a million rows: a capped count, keys-first deep pages, a search every index can serve.

Expected rows come from what the complaints are (their numbers, names, words), never from the code's tables.
"""

from datetime import timedelta

import pytest
from django.core.paginator import Paginator
from django.urls import reverse
from django.utils import timezone

from complaints import filters
from complaints.models import Complaint
from crm_site import pagination
from crm_site.pagination import CappedPaginator
from tests.complaints.test_views import make_complaint
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _complaints(frontline, branch, n: int, **customer) -> list[Complaint]:
    made = []
    for i in range(n):
        complaint = make_complaint(frontline, CustomerFactory(branch=branch, **customer))
        # Distinct received times, one hour apart, the first made the oldest.
        Complaint.objects.filter(pk=complaint.pk).update(created_at=timezone.now() - timedelta(hours=n - i))
        made.append(complaint)
    return made


def _pks(response) -> list[int]:
    return [c.pk for c in response.context["page"].object_list]


def test_the_count_stops_at_the_cap_and_says_so(client, frontline, branch, monkeypatch):
    made = _complaints(frontline, branch, 7)
    monkeypatch.setattr(pagination, "DEFAULT_CAP", 5)
    monkeypatch.setattr("complaints.views.PAGE_SIZE", 2)
    client.force_login(frontline)
    response = client.get(reverse("complaints:list"))
    paginator = response.context["page"].paginator
    assert paginator.capped is True
    assert paginator.count == 5 and paginator.num_pages == 3  # 5 rows offered, 2 a page
    assert b"More than 5 complaints" in response.content
    assert b"Page 1 of 3+" in response.content
    # The last page offered holds the fifth newest; asking past it gives that last page.
    newest_first = [c.pk for c in reversed(made)]
    assert _pks(client.get(reverse("complaints:list"), {"page": 3})) == newest_first[4:5]
    assert _pks(client.get(reverse("complaints:list"), {"page": 99})) == newest_first[4:5]
    # At or under the cap the count is exact and nothing says "more than".
    monkeypatch.setattr(pagination, "DEFAULT_CAP", 7)
    response = client.get(reverse("complaints:list"))
    assert response.context["page"].paginator.capped is False
    assert b"7 complaints" in response.content and b"More than" not in response.content


def test_pages_read_keys_first_yet_give_the_rows_and_order_of_a_plain_paginator(frontline, branch):
    _complaints(frontline, branch, 9)
    qs = Complaint.objects.select_related("customer").order_by("-created_at", "-pk")
    plain, capped = Paginator(qs, 4), CappedPaginator(qs, 4)
    for number in (1, 2, 3):
        assert [c.pk for c in capped.page(number)] == [c.pk for c in plain.page(number)]
    assert capped.page(3).object_list[0].customer.name  # the joined row came with it


def test_a_search_stops_counting_sooner(client, frontline, branch, monkeypatch):
    _complaints(frontline, branch, 4, name="张三")
    monkeypatch.setattr(pagination, "DEFAULT_CAP", 10)
    monkeypatch.setattr(pagination, "SEARCH_CAP", 3)
    client.force_login(frontline)
    assert client.get(reverse("complaints:list")).context["page"].paginator.capped is False  # 4 of at most 10
    searched = client.get(reverse("complaints:list"), {"q": "张三"})
    assert (searched.context["page"].paginator.capped, searched.context["page"].paginator.count) == (True, 3)
    assert b"More than 3 complaints" in searched.content


def test_a_whole_number_finds_its_complaint_in_any_case(client, frontline, branch):
    one, _two = _complaints(frontline, branch, 2)
    client.force_login(frontline)
    assert _pks(client.get(reverse("complaints:list"), {"q": one.number.lower()})) == [one.pk]


def test_a_number_fragment_a_name_a_code_and_a_full_phone_find_complaints(client, frontline, branch):
    wang_customer = CustomerFactory(branch=branch, name="王伟明", code="VIP-0042", phone="13912345678")
    wang = make_complaint(frontline, wang_customer)
    other = make_complaint(frontline, CustomerFactory(branch=branch, name="李娜", phone="13800000000"))
    client.force_login(frontline)
    url = reverse("complaints:list")
    assert _pks(client.get(url, {"q": "伟"})) == [wang.pk]  # one character of the name
    assert _pks(client.get(url, {"q": "vip-0042"})) == [wang.pk]  # the code, in any case
    assert _pks(client.get(url, {"q": "139 1234 5678"})) == [wang.pk]  # the full phone, spaced
    assert _pks(client.get(url, {"q": "1391234"})) == []  # never a phone fragment
    fragment = other.number[-4:]  # the end of a number: its sequence digits
    assert other.pk in _pks(client.get(url, {"q": fragment.lower()}))
    assert _pks(client.get(url, {"q": other.number[-2:]})) == []  # two digits are in nearly every number


def test_words_and_product_are_searched_from_three_characters(client, frontline, branch):
    complaint = make_complaint(frontline, CustomerFactory(branch=branch, name="Zed"), product="Model X9 kettle")
    client.force_login(frontline)
    url = reverse("complaints:list")
    assert _pks(client.get(url, {"q": "KETTLE"})) == [complaint.pk]  # the product, any case
    assert _pks(client.get(url, {"q": "电梯坏"})) == [complaint.pk]  # three characters of the words
    assert _pks(client.get(url, {"q": "电梯"})) == []  # two are not searched in the words
    assert "three characters" in client.get(url).content.decode()


def test_a_fragment_matching_many_customers_still_finds_all_their_complaints(client, frontline, branch, monkeypatch):
    made = _complaints(frontline, branch, 4, name="张三")
    monkeypatch.setattr(filters, "CUSTOMERS_BY_KEY", 2)  # more customers match than are passed by key
    client.force_login(frontline)
    assert sorted(_pks(client.get(reverse("complaints:list"), {"q": "张"}))) == sorted(c.pk for c in made)


def test_a_number_fragment_finds_complaints_by_key_or_by_condition_alike(
    client, frontline, frontline_other, branch, other_branch, monkeypatch
):
    """The numbers holding a fragment are read once and passed by key, company-wide; the list's scope still applies
    to them, and a fragment of more numbers than are passed by key is searched as a condition, with the same rows."""
    mine = _complaints(frontline, branch, 3)
    theirs = make_complaint(frontline_other, CustomerFactory(branch=other_branch))
    year = mine[0].number.split("-")[1]  # TS-<year>-<serial>: every number of the year holds "-<year>-"
    client.force_login(frontline)
    url = reverse("complaints:list")
    by_key = sorted(_pks(client.get(url, {"q": f"-{year}-"})))
    assert by_key == sorted(c.pk for c in mine) and theirs.pk not in by_key
    monkeypatch.setattr(filters, "NUMBERS_BY_KEY", 2)  # four numbers match: more than are passed by key
    assert sorted(_pks(client.get(url, {"q": f"-{year}-"}))) == by_key


def test_a_year_and_the_start_of_a_serial_find_the_numbers_that_start_so(client, frontline, branch, monkeypatch):
    """ "2026-00012" can only be the start of a number (the year and its dash): the numbers holding it, found by the
    number's prefix, in any case, with or without "TS-", by key or as a condition."""
    made = _complaints(frontline, branch, 3)
    first = made[0].number  # TS-<year>-<serial>
    year, serial = first.split("-")[1], first.split("-")[2]
    client.force_login(frontline)
    url = reverse("complaints:list")
    holding = sorted(c.pk for c in made if f"{year}-{serial[:-1]}" in c.number)  # worked out from the numbers
    assert made[0].pk in holding
    for q in (f"{year}-{serial[:-1]}", f"ts-{year}-{serial[:-1]}", f"TS-{year}-{serial[:-1]}"):
        assert sorted(_pks(client.get(url, {"q": q}))) == holding, q
    assert _pks(client.get(url, {"q": f"{year}-{serial}"})) == [made[0].pk]
    monkeypatch.setattr(filters, "NUMBERS_BY_KEY", 0)
    assert sorted(_pks(client.get(url, {"q": f"{year}-{serial[:-1]}"}))) == holding
    assert _pks(client.get(url, {"q": f"{int(year) + 1}-{serial[:-1]}"})) == []


def test_the_repeat_badge_reads_the_stored_flag(client, frontline, branch):
    customer = CustomerFactory(branch=branch)
    first = make_complaint(frontline, customer)
    second = make_complaint(frontline, customer)  # within the repeat window: a repeat of the first
    lone = make_complaint(frontline, CustomerFactory(branch=branch))
    client.force_login(frontline)
    rows = {c.pk: c for c in client.get(reverse("complaints:list")).context["page"].object_list}
    assert (rows[first.pk].has_repeats, rows[second.pk].repeat_of_id, rows[lone.pk].has_repeats) == (
        True,
        first.pk,
        False,
    )
    html = client.get(reverse("complaints:list")).content.decode()
    assert html.count('title="Repeat complaint"') == 2  # the first and its repeat, not the lone one


# English groups thousands with commas; Chinese writes the number whole (Django's zh-Hans formats: no separator).
@pytest.mark.parametrize("language, text", [("en", "More than 5,000 complaints"), ("zh-hans", "超过 5000 条投诉")])
def test_the_capped_count_is_written_with_thousands_grouped(client, frontline, branch, monkeypatch, language, text):
    _complaints(frontline, branch, 2)
    monkeypatch.setattr(CappedPaginator, "capped", property(lambda self: True))
    monkeypatch.setattr(CappedPaginator, "count", property(lambda self: 5000))
    client.force_login(frontline)
    client.cookies.load({"django_language": language})
    assert text in client.get(reverse("complaints:list")).content.decode()

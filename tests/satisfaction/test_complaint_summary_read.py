"""The dashboard's complaint figures for whole months read from the reports app's monthly complaint sums
(ComplaintMonth) equal the live ones read from the complaints and their revisits.

Written through the services, at travelled times (Asia/Shanghai, UTC+8), in branch BJ unless said:

| | received (local) | category | cause | revisits (score) | state |
|--|--|--|--|--|--|
| c0 | 2025-12-20 | A | support | 1 (recorded in Jan 2026) | Satisfy: before the period |
| c1 | 2026-01-10 | A | support | 4 | closed at once: within its SLA |
| c2 | 2026-02-01 01:30 (01-31 17:30 UTC) | B | support | 2 (not resolved), then 5 | closed in March: late |
| c3 | 2026-02-15, branch SH | A | not yet | — | Listen |
| c4 | 2026-02-20 | B | support | — | Action |
"""

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.utils import timezone

from complaints.models import Complaint
from complaints.workflow import Step
from reports.services import complaint_summary_rebuild
from satisfaction import selectors
from satisfaction.selectors import CsiFilters, Group, complaint_figures
from tests.complaints.factories import CategoryFactory, ComplaintFactory, advance, record_revisit, walk_to
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

JAN_FEB = CsiFilters(date_from=date(2026, 1, 1), date_to=date(2026, 2, 28))
FEB = CsiFilters(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def complaints(branch, other_branch, frontline, frontline_other, manager, gm):
    a = CategoryFactory(code="csi-a", name_en="Alpha", name_zh="甲")
    b = CategoryFactory(code="csi-b", name_en="Beta", name_zh="乙")
    bj, sh = CustomerFactory(branch=branch), CustomerFactory(branch=other_branch)
    people = {"actor": frontline, "manager": manager, "gm": gm}
    with time_machine.travel(utc(2025, 12, 20, 4), tick=False):
        c0 = walk_to(ComplaintFactory(actor=frontline, customer=bj, category=a), Step.SATISFY, **people)
    with time_machine.travel(utc(2026, 1, 5, 4), tick=False):
        record_revisit(c0, frontline, score=1, outcome="not_resolved")
    with time_machine.travel(utc(2026, 1, 10, 4), tick=False):
        c1 = walk_to(ComplaintFactory(actor=frontline, customer=bj, category=a), Step.SATISFY, **people)
        record_revisit(c1, frontline, score=4)
        advance(c1, frontline)
    with time_machine.travel(utc(2026, 1, 31, 17, 30), tick=False):
        c2 = walk_to(ComplaintFactory(actor=frontline, customer=bj, category=b), Step.SATISFY, **people)
        record_revisit(c2, frontline, score=2, outcome="not_resolved")  # reopened to Action
    with time_machine.travel(utc(2026, 2, 15, 4), tick=False):
        ComplaintFactory(actor=frontline_other, customer=sh, category=a)
    with time_machine.travel(utc(2026, 2, 20, 4), tick=False):
        walk_to(ComplaintFactory(actor=frontline, customer=bj, category=b), Step.ACTION, **people)
    with time_machine.travel(utc(2026, 3, 20, 4), tick=False):
        walk_to(c2, Step.CLOSED, **people)  # its second revisit scores 5
    assert Complaint.objects.get(pk=c2.pk).closed_at > Complaint.objects.get(pk=c2.pk).resolution_due_at
    return {"c0": c0, "c1": c1, "c2": c2}


def live(*, user, filters: CsiFilters, monkeypatch) -> selectors.ComplaintFigures:
    with monkeypatch.context() as m:
        m.setattr(selectors, "_complaints_read_summary", lambda filters: False)
        return complaint_figures(user=user, filters=filters)


def test_whole_months_without_a_segment_read_the_sums():
    assert selectors._complaints_read_summary(JAN_FEB)
    assert selectors._complaints_read_summary(replace(JAN_FEB, group=Group.COMPLAINANTS, template_code="x"))
    assert selectors._complaints_read_summary(CsiFilters())
    assert not selectors._complaints_read_summary(replace(JAN_FEB, date_from=date(2026, 1, 2)))
    assert not selectors._complaints_read_summary(replace(JAN_FEB, date_to=date(2026, 2, 27)))
    assert not selectors._complaints_read_summary(replace(JAN_FEB, tier="A"))
    assert not selectors._complaints_read_summary(replace(JAN_FEB, quadrant="high"))


def test_the_gm_sees_every_branch_from_the_sums_as_live(complaints, gm, monkeypatch):
    fast = complaint_figures(user=gm, filters=JAN_FEB)
    assert fast == live(user=gm, filters=JAN_FEB, monkeypatch=monkeypatch)
    assert fast.received == 4  # c1 … c4; c0 was received before the period
    assert [(code, n) for code, _name, n in fast.by_category] == [("csi-a", 2), ("csi-b", 2)]  # a tie: by code
    assert [(code, n) for code, _name, n in fast.by_root_cause] == [("support", 3), ("", 1)]
    assert (fast.closed, fast.closed_within_sla) == (2, 1)  # c1 on time, c2 late
    assert fast.revisits == 3  # c1's and c2's two; not c0's, recorded in the period
    assert fast.revisit_score == pytest.approx(11 / 3)


def test_a_month_starting_at_local_midnight_takes_the_complaint_received_then(complaints, gm, monkeypatch):
    fast = complaint_figures(user=gm, filters=FEB)
    assert fast == live(user=gm, filters=FEB, monkeypatch=monkeypatch)
    assert fast.received == 3  # c2 (01-31 17:30 UTC is 02-01 in Shanghai), c3, c4
    assert (fast.revisits, fast.revisit_score) == (2, 3.5)


@pytest.mark.parametrize("zh", [False, True])
def test_a_branch_manager_sees_their_branch_from_the_sums_as_live(complaints, manager, monkeypatch, zh):
    from django.utils import translation

    with translation.override("zh-hans" if zh else "en"):
        fast = complaint_figures(user=manager, filters=JAN_FEB)
        assert fast == live(user=manager, filters=JAN_FEB, monkeypatch=monkeypatch)
    assert fast.received == 3  # c1, c2, c4; not c3 (Shanghai)
    assert fast.by_category == [("csi-b", "乙" if zh else "Beta", 2), ("csi-a", "甲" if zh else "Alpha", 1)]
    assert (fast.revisits, fast.revisit_score) == (3, pytest.approx(11 / 3))


def test_a_branch_filter_and_an_open_period_from_the_sums_as_live(complaints, gm, other_branch, monkeypatch):
    for filters in (replace(JAN_FEB, branch_id=other_branch.pk), CsiFilters(), replace(FEB, date_from=None)):
        assert complaint_figures(user=gm, filters=filters) == live(user=gm, filters=filters, monkeypatch=monkeypatch)
    shanghai = complaint_figures(user=gm, filters=replace(JAN_FEB, branch_id=other_branch.pk))
    assert (shanghai.received, shanghai.revisits, shanghai.revisit_score) == (1, 0, None)
    everything = complaint_figures(user=gm, filters=CsiFilters())
    assert (everything.received, everything.revisits) == (5, 4)  # c0 and its revisit too


def test_the_sums_are_read_rather_than_the_revisits(complaints, gm, monkeypatch):
    def refused(**kwargs):
        raise AssertionError("read live")

    monkeypatch.setattr(selectors, "_complaint_live_sums", refused)
    assert complaint_figures(user=gm, filters=JAN_FEB).revisits == 3


def test_a_rebuild_gives_the_same_figures(complaints, gm, manager, monkeypatch):
    kept = [complaint_figures(user=user, filters=JAN_FEB) for user in (gm, manager)]
    complaint_summary_rebuild()
    assert [complaint_figures(user=user, filters=JAN_FEB) for user in (gm, manager)] == kept


def test_no_csi_view_no_figures(complaints, frontline, monkeypatch):
    fast = complaint_figures(user=frontline, filters=JAN_FEB)
    assert fast == live(user=frontline, filters=JAN_FEB, monkeypatch=monkeypatch)
    assert (fast.received, fast.revisits, fast.revisit_score, fast.by_category) == (0, 0, None, [])


def test_the_timezone_of_the_sums_is_the_default_one():
    with timezone.override("UTC"):
        assert not selectors._complaints_read_summary(JAN_FEB)

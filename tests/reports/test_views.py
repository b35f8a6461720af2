"""The statistics page, its exports and the corrective action pages."""

import json
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from crm_site.exports.tables import table_response
from reports.models import CorrectiveAction
from reports.services import ActionData, corrective_action_create

from .conftest import complaint

pytestmark = pytest.mark.django_db

PERIOD = {"period": "custom", "date_from": "2026-01-01", "date_to": "2026-06-30"}


def test_statistics_page_for_the_general_manager(client, data, gm):
    client.force_login(gm)
    response = client.get(reverse("reports:statistics"), PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="figure-received">5<' in page
    assert 'data-testid="figure-repeat_rate">20.0<' in page  # 1 repeat of 5
    charts = json.loads(json.dumps(response.context["charts"]))  # what the data island holds
    # The Pareto chart holds the table's numbers: 3 and 1 complaints, cumulative 75 % and 100 %.
    assert charts["charts"]["pareto"]["series"][0]["data"] == [3, 1]
    assert charts["charts"]["pareto"]["series"][1]["data"] == [75.0, 100.0]
    for name in ("by_category", "quarter_causes", "sla_by_branch", "step_durations", "compensation", "revisits"):
        assert f'data-chart="{name}"' in page
    assert 'id="report-data"' in page and "complaint-statistics.js" in page


def test_a_manager_asking_for_another_branch_gets_404(client, data, manager, other_branch, branch):
    client.force_login(manager)
    assert client.get(reverse("reports:statistics"), {"branch": other_branch.pk}).status_code == 404
    url = reverse("reports:export", kwargs={"table": "by_category", "fmt": "csv"})
    assert client.get(url, {"branch": other_branch.pk}).status_code == 404
    assert client.get(reverse("reports:statistics"), {"branch": branch.pk}).status_code == 200


def test_a_manager_is_offered_only_their_branch(client, data, manager, gm, branch, other_branch):
    client.force_login(manager)
    choices = list(client.get(reverse("reports:statistics")).context["form"].fields["branch"].choices)
    assert choices == [(branch.pk, branch.name)]
    client.force_login(gm)
    choices = client.get(reverse("reports:statistics")).context["form"].fields["branch"].choices
    assert [value for value, _label in choices] == ["", *sorted([branch.pk, other_branch.pk])]


def test_front_line_has_no_statistics(client, data, frontline):
    client.force_login(frontline)
    assert client.get(reverse("reports:statistics")).status_code == 403
    # Their own corrective actions they do see (as owners).
    assert client.get(reverse("reports:action_list")).status_code == 200


def test_empty_state(client, data, gm):
    client.force_login(gm)
    response = client.get(
        reverse("reports:statistics"), {"period": "custom", "date_from": "2020-01-01", "date_to": "2020-02-01"}
    )
    assert response.status_code == 200
    assert 'data-testid="report-empty"' in response.content.decode()


def test_export_goes_through_table_response(client, data, gm):
    client.force_login(gm)
    url = reverse("reports:export", kwargs={"table": "by_category", "fmt": "csv"})
    with mock.patch("reports.views.table_response", wraps=table_response) as spy:
        response = client.get(url, PERIOD)
    assert response.status_code == 200
    kwargs = spy.call_args.kwargs
    assert kwargs["kind"] == "reports.by_category" and kwargs["fmt"] == "csv"
    assert kwargs["rows"] == [["Quality", 3, 60.0], ["Service", 2, 40.0]]
    text = b"".join(response).decode("utf-8-sig")
    assert "Quality,3,60.0" in text
    assert client.get(reverse("reports:export", kwargs={"table": "nope", "fmt": "csv"})).status_code == 404
    xlsx = client.get(reverse("reports:export", kwargs={"table": "step_durations", "fmt": "xlsx"}), PERIOD)
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def _more_complaints(data, branch, frontline, n: int) -> None:
    customer = data.complaints["A1"].customer
    for i in range(n):
        complaint(
            branch=branch, customer=customer, actor=frontline, category=data.quality if i % 2 else data.service,
            received=f"2026-0{1 + i % 5}-1{i % 9} 03:00", root_cause_group="people" if i % 3 else "support",
            root_cause=f"cause {i % 4}", channel="phone" if i % 2 else "email",
        )  # fmt: skip


def test_a_fixed_number_of_queries(client, data, gm, branch, frontline, django_assert_max_num_queries):
    client.force_login(gm)
    url = reverse("reports:statistics")
    client.get(url, PERIOD)  # sessions, content types warmed
    with django_assert_max_num_queries(40) as small:
        client.get(url, PERIOD)
    _more_complaints(data, branch, frontline, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url, PERIOD).status_code == 200


def test_raise_from_a_closed_complaint_prefills(client, data, manager, frontline):
    client.force_login(manager)
    url = reverse("reports:action_create") + f"?complaint={data.complaints['A2'].pk}"
    form = client.get(url).context["form"]
    assert form.initial["root_cause_group"] == "people"
    assert form.initial["description"] == "Train counter staff in greeting customers"
    due = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = client.post(
        url,
        {
            "title": "Greeting training",
            "root_cause_group": "people",
            "root_cause": "rude staff",
            "owner": frontline.pk,
            "due_on": due,
            "window_days": 90,
        },
    )
    action = CorrectiveAction.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:action_detail", kwargs={"pk": action.pk})
    assert (
        action.source_complaint_id == data.complaints["A2"].pk and action.branch_id == manager.staff_profile.branch_id
    )
    # An open complaint is not a source; another branch's is not even found.
    assert client.get(reverse("reports:action_create") + f"?complaint={data.complaints['A3'].pk}").status_code == 302
    assert client.get(reverse("reports:action_create") + f"?complaint={data.complaints['B1'].pk}").status_code == 404


def test_past_due_date_is_refused_with_a_message(client, data, manager, frontline):
    client.force_login(manager)
    response = client.post(
        reverse("reports:action_create"),
        {"title": "x", "root_cause_group": "people", "owner": frontline.pk, "due_on": "2020-01-01", "window_days": 90},
    )
    assert response.status_code == 200
    assert "The due date cannot be in the past." in response.content.decode()
    assert not CorrectiveAction.objects.exists()


def test_open_action_shown_beside_its_cause(client, data, manager, frontline, branch):
    action = corrective_action_create(
        actor=manager,
        data=ActionData(
            title="Greeting training", root_cause_group="people", root_cause="RUDE staff", owner_id=frontline.pk,
            due_on=timezone.localdate() + timedelta(days=10), branch_id=branch.pk,
        ),
    )  # fmt: skip
    client.force_login(manager)
    response = client.get(reverse("reports:statistics"), PERIOD)
    rows = response.context["pareto_rows"]
    assert [a["id"] for a in rows[0]["actions"]] == [action.pk]  # beside "people: rude staff"
    assert rows[1]["actions"] == []


def test_status_change_is_confirmed_then_posted(client, data, manager, frontline, branch):
    action = corrective_action_create(
        actor=manager,
        data=ActionData(
            title="Greeting training", root_cause_group="people", owner_id=frontline.pk,
            due_on=timezone.localdate() + timedelta(days=10), branch_id=branch.pk,
        ),
    )  # fmt: skip
    client.force_login(frontline)  # the owner
    url = reverse("reports:action_move", kwargs={"pk": action.pk})
    assert client.get(url, {"to": "in_progress"}).status_code == 200
    action.refresh_from_db()
    assert action.status == "open"  # a GET only asks
    assert client.post(url, {"to": "in_progress"}).status_code == 302
    response = client.post(url, {"to": "done", "note": ""})
    assert response.status_code == 200 and "Record the result of the action." in response.content.decode()
    assert client.post(url, {"to": "done", "note": "Trained"}).status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    detail = client.get(reverse("reports:action_detail", kwargs={"pk": action.pk})).content.decode()
    assert detail.count("list-group-item") == 3  # raised, started, done
    assert client.post(url, {"to": "cancelled", "note": "x"}).status_code == 302  # refused with a message
    action.refresh_from_db()
    assert action.status == "done"


def test_action_of_another_branch_is_404(client, data, manager_other, manager, frontline, branch):
    action = corrective_action_create(
        actor=manager,
        data=ActionData(
            title="T", root_cause_group="people", owner_id=frontline.pk,
            due_on=timezone.localdate() + timedelta(days=10), branch_id=branch.pk,
        ),
    )  # fmt: skip
    client.force_login(manager_other)
    assert client.get(reverse("reports:action_detail", kwargs={"pk": action.pk})).status_code == 404
    assert client.get(reverse("reports:action_list")).context["rows"] == []


def test_chinese_labels(client, data, gm):
    client.force_login(gm)
    response = client.get(reverse("reports:statistics"), PERIOD, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200


def test_complaint_page_offers_the_action_when_the_policy_allows(client, data, manager, frontline, gm):
    a2, a1 = data.complaints["A2"], data.complaints["A1"]  # A2 closed with a prevention measure; A1 without one
    client.force_login(manager)
    page = client.get(reverse("complaints:detail", kwargs={"pk": a2.pk})).content.decode()
    assert 'data-testid="raise-corrective-action"' in page
    assert (
        'data-testid="raise-corrective-action"'
        not in client.get(reverse("complaints:detail", kwargs={"pk": a1.pk})).content.decode()
    )
    client.force_login(frontline)  # front-line staff do not raise actions
    assert (
        'data-testid="raise-corrective-action"'
        not in client.get(reverse("complaints:detail", kwargs={"pk": a2.pk})).content.decode()
    )


def test_action_list_flags_and_filters_overdue(client, data, manager, frontline, branch):
    late = CorrectiveAction.objects.create(
        title="Late one", root_cause_group="people", branch=branch, owner=frontline, created_by=manager,
        due_on=timezone.localdate() - timedelta(days=1),
    )  # fmt: skip
    on_time = CorrectiveAction.objects.create(
        title="On time", root_cause_group="product", branch=branch, owner=frontline, created_by=manager,
        due_on=timezone.localdate() + timedelta(days=1),
    )  # fmt: skip
    client.force_login(manager)
    page = client.get(reverse("reports:action_list"))
    assert [a.pk for a, _counts in page.context["rows"]] == [late.pk, on_time.pk]  # by due date
    assert page.content.decode().count('data-testid="action-overdue"') == 1
    overdue = client.get(reverse("reports:action_list"), {"overdue": "on"})
    assert [a.pk for a, _counts in overdue.context["rows"]] == [late.pk]
    by_cause = client.get(reverse("reports:action_list"), {"cause": "product"})
    assert [a.pk for a, _counts in by_cause.context["rows"]] == [on_time.pk]

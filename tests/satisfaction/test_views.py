"""The staff's survey pages: every page tried by every role, what each page writes, scoping, the links file."""

import csv
import io
from types import SimpleNamespace

import pytest
from django.urls import reverse

from crm_site.org.roles import Role
from satisfaction import services
from satisfaction.models import Campaign, Invitation, Response, SurveyTemplate
from tests.factories import CustomerFactory, staff

from .test_services import answer_on_phone, dimension, items_of, make_campaign, make_questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(branch, other_branch, frontline, manager, gm, admin_user, customer, other_customer):
    """Branch A's manager runs campaign_a; the general manager a company-wide campaign and one for branch B.
    Branch A's clerk recorded a phone answer of 王伟 (branch A), branch B's manager one of Emma (branch B)."""
    manager_b = staff(Role.MANAGER, other_branch, username="manager_b")
    template = make_questionnaire(gm)
    campaign_a = make_campaign(manager, template)
    services.campaign_send(actor=manager, campaign_id=campaign_a.pk)
    return SimpleNamespace(
        users={"frontline_a": frontline, "manager_a": manager, "manager_b": manager_b, "gm": gm, "admin": admin_user},
        template=template,
        campaign_a=campaign_a,
        campaign_b=make_campaign(gm, template, branch=other_branch),
        campaign_all=make_campaign(gm, template),
        response_a=answer_on_phone(frontline, customer, template),
        response_b=answer_on_phone(manager_b, other_customer, template),
        customer=customer,
    )


ROLES = ["frontline_a", "manager_a", "manager_b", "gm", "admin"]
DESIGN = {"frontline_a": 404, "manager_a": 404, "manager_b": 404, "gm": 200, "admin": 200}
DESIGN_LIST = {**DESIGN, "frontline_a": 403, "manager_a": 403, "manager_b": 403}
CAMPAIGNS = {"frontline_a": 403, "manager_a": 200, "manager_b": 200, "gm": 200, "admin": 200}
BRANCH_A_CAMPAIGN = {"frontline_a": 404, "manager_a": 200, "manager_b": 404, "gm": 200, "admin": 200}
COMPANY_CAMPAIGN = {**BRANCH_A_CAMPAIGN, "manager_a": 404}
ANSWERS = CAMPAIGNS
BRANCH_A_ANSWER = BRANCH_A_CAMPAIGN
# Recording a phone answer: staff who serve customers, in the customer's branch; not the admin, who may read the
# customer (403); branch B's manager does not even see branch A's customer (404).
RECORD = {"frontline_a": 200, "manager_a": 200, "manager_b": 404, "gm": 200, "admin": 403}

# URL name, URL arguments from the world, what each role gets (GET)
PAGES = [
    ("satisfaction:template_list", lambda w: [], DESIGN_LIST),
    ("satisfaction:template_create", lambda w: [], DESIGN_LIST),
    ("satisfaction:template_detail", lambda w: [w.template.pk], DESIGN),
    ("satisfaction:template_edit", lambda w: [w.template.pk], DESIGN),
    ("satisfaction:template_archive", lambda w: [w.template.pk], DESIGN),
    ("satisfaction:campaign_list", lambda w: [], CAMPAIGNS),
    ("satisfaction:campaign_create", lambda w: [], CAMPAIGNS),
    ("satisfaction:campaign_detail", lambda w: [w.campaign_a.pk], BRANCH_A_CAMPAIGN),
    ("satisfaction:campaign_detail", lambda w: [w.campaign_all.pk], COMPANY_CAMPAIGN),
    ("satisfaction:campaign_send", lambda w: [w.campaign_a.pk], BRANCH_A_CAMPAIGN),
    ("satisfaction:campaign_send", lambda w: [w.campaign_all.pk], COMPANY_CAMPAIGN),
    ("satisfaction:campaign_close", lambda w: [w.campaign_a.pk], BRANCH_A_CAMPAIGN),
    ("satisfaction:campaign_links", lambda w: [w.campaign_a.pk], BRANCH_A_CAMPAIGN),
    ("satisfaction:campaign_links", lambda w: [w.campaign_all.pk], COMPANY_CAMPAIGN),
    ("satisfaction:response_list", lambda w: [], ANSWERS),
    ("satisfaction:response_detail", lambda w: [w.response_a.pk], BRANCH_A_ANSWER),
    ("satisfaction:response_record", lambda w: [w.customer.pk], RECORD),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "args", "expected"), PAGES, ids=[f"{p[0]}-{i}" for i, p in enumerate(PAGES)])
def test_every_page_by_every_role(client, world, role, name, args, expected):
    client.force_login(world.users[role])
    response = client.get(reverse(name, args=args(world)))
    assert response.status_code == expected[role]


def test_pages_of_unknown_objects_are_404(client, world):
    client.force_login(world.users["gm"])
    for name in ("template_detail", "campaign_detail", "response_detail", "response_record"):
        assert client.get(reverse(f"satisfaction:{name}", args=[2**62])).status_code == 404


def test_the_navigation_offers_satisfaction_to_those_who_run_campaigns(client, world):
    url = reverse("satisfaction:campaign_list")
    for role, shown in (("frontline_a", False), ("manager_a", True), ("gm", True), ("admin", True)):
        client.force_login(world.users[role])
        nav = [item["url"] for item in client.get(reverse("home")).context["nav_items"]]
        assert (url in nav) is shown, role


# --- Questionnaires -------------------------------------------------------------------------------------------------


def _template_post(name="Service survey", items=(), **extra) -> dict:
    """The questionnaire form as a browser sends it: texts, switches, and the item rows (extra rows left empty)."""
    data = {
        "name_en": name,
        "name_zh": "服务调查",
        "intro_en": "",
        "intro_zh": "",
        "ask_repurchase": "on",
        "ask_recommend": "on",
        "items-TOTAL_FORMS": str(len(items) + 1),
        "items-INITIAL_FORMS": str(extra.pop("initial", 0)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for i, item in enumerate(items):
        for key, value in item.items():
            data[f"items-{i}-{key}"] = value
    data[f"items-{len(items)}-weight"] = "1"  # an untouched empty row
    return data


def test_a_questionnaire_is_created_with_items_in_position_order(client, gm):
    client.force_login(gm)
    dim = dimension()
    rows = [
        {"dimension": dim.pk, "text_en": "Second", "text_zh": "第二", "weight": "2", "ORDER": "2"},
        {"dimension": dim.pk, "text_en": "First", "text_zh": "第一", "weight": "1.5", "ORDER": "1"},
        {"dimension": dim.pk, "text_en": "Dropped", "text_zh": "删除", "weight": "1", "ORDER": "3", "DELETE": "on"},
    ]
    response = client.post(reverse("satisfaction:template_create"), _template_post(items=rows))
    template = SurveyTemplate.objects.get(name_en="Service survey")
    assert response.status_code == 302
    assert response["Location"] == reverse("satisfaction:template_detail", args=[template.pk])
    assert [(i.text_en, str(i.weight)) for i in items_of(template)] == [("First", "1.50"), ("Second", "2.00")]
    assert template.code == "service-survey"  # made from the English name
    assert (template.ask_importance, template.ask_repurchase, template.ask_comment) == (False, True, False)


def test_a_questionnaire_without_items_or_with_a_zero_weight_is_refused(client, gm):
    client.force_login(gm)
    assert client.post(reverse("satisfaction:template_create"), _template_post()).status_code == 200
    zero = [{"dimension": dimension().pk, "text_en": "A", "text_zh": "甲", "weight": "0"}]
    assert client.post(reverse("satisfaction:template_create"), _template_post(items=zero)).status_code == 200
    assert not SurveyTemplate.objects.filter(name_en="Service survey").exists()


def test_editing_a_questionnaire_with_answers_says_so_and_makes_a_new_version(client, world):
    client.force_login(world.users["gm"])
    url = reverse("satisfaction:template_edit", args=[world.template.pk])
    page = client.get(url)
    assert "This questionnaire has answers: saving makes version 2; old answers keep their meaning." in (
        page.content.decode()
    )
    first, second = items_of(world.template)
    rows = [
        {"item_id": first.pk, "dimension": first.dimension_id, "text_en": "Kind staff", "text_zh": "亲切",
         "weight": "1", "ORDER": "1"},
        {"item_id": second.pk, "dimension": second.dimension_id, "text_en": second.text_en, "text_zh": "快",
         "weight": "1", "ORDER": "2", "DELETE": "on"},
    ]  # fmt: skip
    response = client.post(url, _template_post(name="Annual survey", items=rows, initial=2))
    new = SurveyTemplate.objects.get(code=world.template.code, is_current=True)
    assert new.version == 2
    assert response["Location"] == reverse("satisfaction:template_detail", args=[new.pk])
    assert [i.text_en for i in items_of(new)] == ["Kind staff"]
    assert [i.text_en for i in items_of(world.template)] == ["Friendly staff", "Fast delivery"]
    detail = client.get(response["Location"]).content.decode()
    assert "v1" in detail and "v2" in detail
    # The old version is not edited: its edit page sends to the current one.
    assert client.get(url)["Location"] == reverse("satisfaction:template_edit", args=[new.pk])


def test_a_questionnaire_form_posted_without_its_rows_is_shown_again(client, world):
    """A POST that lacks the formset's management form (a stale or hand-made request) is a form error, not a 500."""
    client.force_login(world.users["gm"])
    for url in (
        reverse("satisfaction:template_create"),
        reverse("satisfaction:template_edit", args=[world.template.pk]),
    ):
        assert client.post(url, {"name_en": "Half a form"}).status_code == 200
    assert SurveyTemplate.objects.filter(code=world.template.code).count() == 1


def test_dimensions_are_configured_but_never_deleted(client, db):
    from satisfaction.models import Dimension
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    dim = dimension()
    assert client.get(reverse("admin:satisfaction_dimension_changelist")).status_code == 200
    assert client.get(reverse("admin:satisfaction_dimension_add")).status_code == 200
    assert client.get(reverse("admin:satisfaction_dimension_delete", args=[dim.pk])).status_code == 403
    assert Dimension.objects.filter(pk=dim.pk).exists()


def test_the_revisit_questionnaire_is_shown_but_not_editable(client, gm):
    from .test_services import revisit_questionnaire

    template = revisit_questionnaire()
    client.force_login(gm)
    assert client.get(reverse("satisfaction:template_detail", args=[template.pk])).status_code == 200
    response = client.get(reverse("satisfaction:template_edit", args=[template.pk]))
    assert response["Location"] == reverse("satisfaction:template_detail", args=[template.pk])
    client.post(reverse("satisfaction:template_archive", args=[template.pk]), {"action": "archive"})
    assert SurveyTemplate.objects.get(pk=template.pk).is_active


def test_archive_and_restore_after_confirmation(client, world):
    client.force_login(world.users["admin"])
    url = reverse("satisfaction:template_archive", args=[world.template.pk])
    assert "archive" in client.get(url).content.decode()
    assert SurveyTemplate.objects.get(pk=world.template.pk).is_active  # asking changes nothing
    client.post(url, {"action": "archive"})
    assert not SurveyTemplate.objects.get(pk=world.template.pk).is_active
    client.post(url, {"action": "restore"})
    assert SurveyTemplate.objects.get(pk=world.template.pk).is_active


# --- Campaigns ------------------------------------------------------------------------------------------------------


def test_the_campaign_list_is_scoped_like_the_campaigns(client, world):
    expected = {
        "manager_a": {world.campaign_a.pk},
        "manager_b": {world.campaign_b.pk},
        "gm": {world.campaign_a.pk, world.campaign_b.pk, world.campaign_all.pk},
    }
    for role, campaigns in expected.items():
        client.force_login(world.users[role])
        page = client.get(reverse("satisfaction:campaign_list")).context["page"]
        assert {c.pk for c in page.object_list} == campaigns, role


def test_the_campaign_list_shows_the_response_rate(client, world, frontline, branch):
    # campaign_a invited 王伟 (branch A's only customer); 王伟 answers through it on the phone: 1 of 1, 100 %.
    answer_on_phone(frontline, world.customer, world.template, campaign=world.campaign_a)
    client.force_login(world.users["manager_a"])
    row = client.get(reverse("satisfaction:campaign_list")).context["page"].object_list[0]
    assert (row.invited, row.answered, row.rate) == (1, 1, 100.0)


def _campaign_post(**values) -> dict:
    return {"name": "Autumn", "skip_recent_days": "0", "link_valid_days": "14", **values}


def test_a_managers_campaign_is_for_their_branch(client, world, branch, other_branch):
    client.force_login(world.users["manager_a"])
    data = _campaign_post(template=world.template.pk, branch=other_branch.pk)  # a field managers do not have
    response = client.post(reverse("satisfaction:campaign_create"), data)
    campaign = Campaign.objects.get(name="Autumn")
    assert response["Location"] == reverse("satisfaction:campaign_detail", args=[campaign.pk])
    assert (campaign.branch_id, campaign.status) == (branch.pk, Campaign.Status.DRAFT)


def test_the_audience_is_counted_before_saving(client, world, branch, other_branch):
    CustomerFactory(branch=branch, tier="A", code="CA0100", name="Alice")
    CustomerFactory(branch=branch, tier="A", code="CA0101", name="Adam")
    CustomerFactory(branch=other_branch, tier="A", code="CB0100", name="Bob")
    url = reverse("satisfaction:campaign_create")
    client.force_login(world.users["gm"])
    assert client.post(url, _campaign_post(tier="A", preview="1")).context["audience"] == 3
    assert client.post(url, _campaign_post(tier="A", branch=branch.pk, preview="1")).context["audience"] == 2
    assert client.post(url, _campaign_post(picked_codes="CA0100, CB0100", preview="1")).context["audience"] == 2
    client.force_login(world.users["manager_a"])
    assert client.post(url, _campaign_post(tier="A", preview="1")).context["audience"] == 2
    assert not Campaign.objects.filter(name="Autumn").exists()


def test_hand_picked_codes_must_be_customers_the_user_may_see(client, world, branch, other_branch):
    CustomerFactory(branch=branch, code="CA0100")
    CustomerFactory(branch=other_branch, code="CB0100")
    url = reverse("satisfaction:campaign_create")
    client.force_login(world.users["manager_a"])
    data = _campaign_post(template=world.template.pk, picked_codes="CA0100\nCB0100")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "CB0100" in str(response.context["form"].errors["picked_codes"])
    client.post(url, _campaign_post(template=world.template.pk, picked_codes="CA0100"))
    campaign = Campaign.objects.get(name="Autumn")
    assert list(campaign.picked_customers.values_list("code", flat=True)) == ["CA0100"]


def test_sending_asks_first_then_invites(client, world, other_branch, other_customer):
    CustomerFactory(branch=other_branch, name="Bruno", email="")
    client.force_login(world.users["manager_b"])
    url = reverse("satisfaction:campaign_send", args=[world.campaign_b.pk])
    page = client.get(url)
    assert (page.context["to_invite"], page.context["with_email"]) == (2, 0)  # Emma and Bruno; no e-mail
    assert not Invitation.objects.filter(campaign=world.campaign_b).exists()
    response = client.post(url, follow=True)
    assert Invitation.objects.filter(campaign=world.campaign_b).count() == 2
    assert "2 customers invited" in response.content.decode()
    client.post(url)  # a second send invites nobody again
    assert Invitation.objects.filter(campaign=world.campaign_b).count() == 2


def test_closing_asks_first_then_closes(client, world):
    client.force_login(world.users["manager_a"])
    url = reverse("satisfaction:campaign_close", args=[world.campaign_a.pk])
    assert client.get(url).status_code == 200
    assert Campaign.objects.get(pk=world.campaign_a.pk).status == Campaign.Status.SENT
    client.post(url)
    assert Campaign.objects.get(pk=world.campaign_a.pk).status == Campaign.Status.CLOSED


def test_the_campaign_page_shows_the_funnel(client, world, frontline):
    answer_on_phone(frontline, world.customer, world.template, campaign=world.campaign_a)
    client.force_login(world.users["manager_a"])
    page = client.get(reverse("satisfaction:campaign_detail", args=[world.campaign_a.pk]))
    funnel = page.context["funnel"]
    assert (funnel.invited, funnel.opened, funnel.answered, funnel.response_rate) == (1, 1, 1, 100.0)
    assert world.customer.name in page.content.decode()


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('=HYPERLINK("http://evil.example","Click")', '\'=HYPERLINK("http://evil.example","Click")'),
        ("+86 Trading", "'+86 Trading"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("王伟 = fine", "王伟 = fine"),
    ],
)
def test_the_links_file_neutralises_formulas(client, gm, branch, name, cell):
    customer = CustomerFactory(branch=branch, name=name, code="CX0001")
    campaign = make_campaign(gm, make_questionnaire(gm), picked=[customer])
    services.campaign_send(actor=gm, campaign_id=campaign.pk)
    client.force_login(gm)
    response = client.get(reverse("satisfaction:campaign_links", args=[campaign.pk]))
    assert response["Content-Type"].startswith("text/csv")
    header, row = _csv_rows(response)
    assert header[:3] == ["Customer code", "Customer", "Link"]
    assert row[:2] == ["CX0001", cell]
    # The link opens this customer's invitation.
    token = row[2].rstrip("/").rsplit("/", 1)[-1]
    assert services.invitation_for_token(token).customer_id == customer.pk


def test_the_links_file_leaves_out_answered_invitations(client, world, frontline):
    answer_on_phone(frontline, world.customer, world.template, campaign=world.campaign_a)
    client.force_login(world.users["manager_a"])
    rows = _csv_rows(client.get(reverse("satisfaction:campaign_links", args=[world.campaign_a.pk])))
    assert len(rows) == 1  # the header alone


# --- Answers --------------------------------------------------------------------------------------------------------


def test_the_answers_list_is_scoped_by_branch(client, world):
    expected = {
        "manager_a": {world.response_a.pk},
        "manager_b": {world.response_b.pk},
        "gm": {world.response_a.pk, world.response_b.pk},
        "admin": {world.response_a.pk, world.response_b.pk},
    }
    for role, responses in expected.items():
        client.force_login(world.users[role])
        page = client.get(reverse("satisfaction:response_list")).context["page"]
        assert {r.pk for r in page.object_list} == responses, role


def test_the_answers_list_filters_and_searches(client, world, other_branch):
    client.force_login(world.users["gm"])
    url = reverse("satisfaction:response_list")
    found = lambda params: {r.pk for r in client.get(url, params).context["page"].object_list}  # noqa: E731
    assert found({"branch": other_branch.pk}) == {world.response_b.pk}
    assert found({"q": world.customer.code}) == {world.response_a.pk}
    assert found({"q": "Emma"}) == {world.response_b.pk}
    assert found({"source": "link"}) == set()
    assert found({"source": "phone", "sort": "date"}) == {world.response_a.pk, world.response_b.pk}


def test_an_answer_set_shows_each_item_with_its_label(client, world):
    client.force_login(world.users["manager_a"])
    page = client.get(reverse("satisfaction:response_detail", args=[world.response_a.pk])).content.decode()
    assert "Friendly staff" in page
    assert "4 · Satisfied" in page  # the 5-point scale's label for 4
    assert "Phone call (recorded by staff)" in page


def test_phone_answers_are_stored_as_phone_answers_by_the_recorder(client, world, frontline):
    first, second = items_of(world.template)
    url = reverse("satisfaction:response_record", args=[world.customer.pk])
    client.force_login(frontline)
    questions = client.get(url, {"campaign": world.campaign_a.pk})
    assert questions.context["form"] is not None
    assert questions.context["template"] == world.template
    response = client.post(
        url,
        {
            "template": world.template.pk,
            "campaign": world.campaign_a.pk,
            f"score_{first.pk}": "5",
            f"score_{second.pk}": "2",
            "overall": "4",
            "repurchase": "yes",
            "recommend": "9",
            "comment": "Delivery was late",
        },
    )
    assert response["Location"] == reverse("customer_360", args=[world.customer.pk])
    stored = Response.objects.filter(campaign=world.campaign_a).get()
    assert (stored.source, stored.recorded_by_id, stored.customer_id) == ("phone", frontline.pk, world.customer.pk)
    assert (stored.overall, stored.repurchase, stored.recommend, stored.comment) == (4, "yes", 9, "Delivery was late")
    assert dict(stored.answers.values_list("item_id", "score")) == {first.pk: 5, second.pk: 2}
    assert Invitation.objects.get(campaign=world.campaign_a, customer=world.customer).state == "answered"


def test_phone_answers_need_at_least_one_answer(client, world, frontline):
    client.force_login(frontline)
    url = reverse("satisfaction:response_record", args=[world.customer.pk])
    before = Response.objects.count()
    response = client.post(url, {"template": world.template.pk})
    assert response.status_code == 200
    assert "Answer at least one question." in response.content.decode()
    assert Response.objects.count() == before

"""The demo surveys: both questionnaires, a year of answers from every source and branch, consistent with the rules."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints.models import Revisit
from crm_site.demo import seed_all
from crm_site.org.access import role_of
from crm_site.org.roles import Role
from satisfaction.models import Answer, Campaign, Invitation, Response, SurveyItem, SurveyTemplate

# Each seeds the whole demo (6–9 s): they run with the slow tests, keeping `make test` under two minutes.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CSI_DIMENSIONS = {"product_quality", "service_attitude", "response_speed", "professionalism", "convenience"}


def _counts() -> dict[str, int]:
    models = (SurveyTemplate, SurveyItem, Campaign, Invitation, Response, Answer)
    return {model.__name__: model.objects.count() for model in models}


def test_the_demo_has_both_questionnaires_and_a_year_of_answers_from_every_source():
    seed_all()

    csi = SurveyTemplate.objects.get(name_zh="客户满意度调查", is_current=True)
    assert csi.name_en == "Customer satisfaction survey"
    assert (csi.ask_importance, csi.ask_repurchase, csi.ask_recommend, csi.ask_comment) == (True, True, True, True)
    csi_items = list(csi.items.select_related("dimension"))
    assert 7 <= len(csi_items) <= 9
    assert {item.dimension.code for item in csi_items} == CSI_DIMENSIONS
    assert len({item.weight for item in csi_items}) > 1  # weighted, not all alike
    assert all(item.text_en and item.text_zh for item in csi_items)
    after = SurveyTemplate.objects.get(name_zh="服务回访问卷", is_current=True)
    assert after.name_en == "After-service survey"
    assert after.items.count() == 4 and not after.ask_importance

    responses = Response.objects.all()
    months = {timezone.localtime(at).strftime("%Y-%m") for at in responses.values_list("answered_at", flat=True)}
    assert len(months) >= 10
    assert responses.values("branch").distinct().count() == 3
    assert set(responses.values_list("source", flat=True)) == {"link", "phone", "revisit"}
    assert set(responses.values_list("template", flat=True)) >= {csi.pk, after.pk}
    assert "" not in set(responses.values_list("tier", flat=True))  # the customers were classified first
    assert len(set(responses.values_list("quadrant", flat=True))) == 4
    for response in responses.filter(source="phone").select_related("recorded_by"):
        assert role_of(response.recorded_by) == Role.FRONTLINE
    assert responses.exclude(comment="").exists()
    assert {lang[:2] for lang in responses.exclude(comment="").values_list("language", flat=True)} == {"zh", "en"}

    # Every revisit is also a survey answer.
    revisits = Revisit.objects.all()
    assert revisits.exists()
    assert all(Response.objects.filter(revisit=r, source="revisit").exists() for r in revisits)


def test_demo_invitations_and_answers_follow_the_rules():
    seed_all()
    now = timezone.now()
    # An answered invitation has its response, answered while the link was valid; the others have none.
    for invitation in Invitation.objects.select_related("campaign", "response"):
        if invitation.state == Invitation.State.ANSWERED:
            response = invitation.response
            assert response.answered_at == invitation.answered_at
            assert invitation.campaign.sent_at <= response.answered_at < invitation.expires_at
            assert response.answered_at <= now
        else:
            assert invitation.state == Invitation.State.PENDING
            assert not Response.objects.filter(invitation=invitation).exists()
    pending = Invitation.objects.filter(state=Invitation.State.PENDING)
    assert pending.filter(expires_at__lte=now).exists()  # expired, never answered
    assert pending.filter(expires_at__gt=now).exists()  # this month's, still open

    # The stored CSI figures: Σ weight × (score − 1) / 4 × 100 and Σ weight over the answered items.
    points: dict[int, Decimal] = defaultdict(Decimal)
    weights: dict[int, Decimal] = defaultdict(Decimal)
    answered: dict[int, int] = defaultdict(int)
    for response_id, score, weight in Answer.objects.values_list("response_id", "score", "item__weight"):
        points[response_id] += weight * (score - 1) / 4 * 100
        weights[response_id] += weight
        answered[response_id] += 1
    surveyed = Response.objects.exclude(source="revisit").select_related("template")
    for response in surveyed:
        assert response.weighted_points == points[response.pk]
        assert response.weight_answered == weights[response.pk]
    items = {t.pk: t.items.count() for t in SurveyTemplate.objects.all()}
    assert any(answered[r.pk] < items[r.template_id] for r in surveyed)  # some items left blank

    # Net promoter score: promoters (9–10) minus detractors (0–6), about +20.
    recommend = list(surveyed.exclude(recommend=None).values_list("recommend", flat=True))
    nps = 100 * (sum(r >= 9 for r in recommend) - sum(r <= 6 for r in recommend)) / len(recommend)
    assert 10 <= nps <= 30
    # Response speed is where to concentrate: the lowest scores on items customers rate above-average importance.
    csi = SurveyTemplate.objects.get(name_zh="客户满意度调查", is_current=True)
    by_dimension: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    for code, score, importance in Answer.objects.filter(item__template=csi).values_list(
        "item__dimension__code", "score", "importance"
    ):
        by_dimension[code].append((score, importance))
    mean_score = {code: sum(s for s, _ in rows) / len(rows) for code, rows in by_dimension.items()}
    mean_importance = {
        code: sum(i for _, i in rows if i) / sum(1 for _, i in rows if i) for code, rows in by_dimension.items()
    }
    assert min(mean_score, key=mean_score.get) == "response_speed"
    assert mean_importance["response_speed"] > sum(mean_importance.values()) / len(mean_importance)
    assert {"link", "phone"} <= set(surveyed.values_list("source", flat=True))
    assert set(surveyed.values_list("repurchase", flat=True)) >= {"yes", "no", "unsure"}


def test_seeding_again_adds_nothing_and_gives_revisits_their_missing_responses():
    seed_all()
    before = _counts()
    seed_all()
    assert _counts() == before

    # A database seeded before surveys existed: its revisits had no response.
    revisit_responses = Response.objects.filter(source="revisit")
    Answer.objects.filter(response__in=revisit_responses).delete()
    revisit_responses.delete()
    seed_all()
    assert _counts() == before
    for revisit in Revisit.objects.select_related("satisfaction_response"):
        response = revisit.satisfaction_response
        assert (response.overall, response.answered_at, response.branch_id) == (
            revisit.score,
            revisit.recorded_at,
            revisit.complaint.branch_id,
        )


def test_the_demos_monthly_sums_match_its_re_dated_answers(db):
    """The demo re-dates answers after writing them; its AnswerMonth rows must then be those of a rebuild."""
    from satisfaction.models import AnswerMonth
    from satisfaction.services import csi_summary_rebuild

    seed_all()
    fields = ("month", "branch_id", "item_id", "source", "answer_count", "points_sum", "weight_sum")
    seeded = sorted(AnswerMonth.objects.values_list(*fields))
    csi_summary_rebuild()
    assert sorted(AnswerMonth.objects.values_list(*fields)) == seeded
    assert len({row[0] for row in seeded}) >= 10  # the sums are spread over the months, not all in this one

"""Demo satisfaction surveys: two questionnaires, a year of monthly campaigns in each branch answered through the
personal links and on the phone, and every complaint revisit as a survey answer.

Everything is written by the real services (questionnaires, campaigns, sending, answering, phone recording), then
dated back to when it happened: a service stamps "now", and a year of answers all stamped today would show one
month on every chart. The answers are drawn from fixed distributions with a fixed seed, so every seed gives the
same figures: most scores 4, response speed the weak point customers care about (the importance–performance
chart's "concentrate here"), Guangzhou a little behind, things slowly improving, an NPS of about +20.

Idempotent: the questionnaires are made once (by code), the campaigns only while the demo questionnaires have
none, and a revisit only gets the response it lacks.
"""

import dataclasses
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone, translation

from complaints.models import Revisit
from customers.models import Customer
from satisfaction.models import Campaign, Dimension, Invitation, Repurchase, Response, SurveyTemplate
from satisfaction.services import (
    AnswerData,
    ItemData,
    TemplateData,
    campaign_close,
    campaign_create,
    campaign_send,
    csi_summary_rebuild,
    invitation_link_token,
    response_from_revisit,
    response_record_phone,
    response_submit,
    template_create,
)

from .org import DemoPeople

CSI_CODE = "customer-satisfaction"
AFTER_SERVICE_CODE = "after-service"
MONTHS = 12
ROTATION = 6  # each branch's customers are split in six groups, one surveyed a month: twice a year each
LINK_VALID_DAYS = 14
LINK_ANSWER_RATE = 0.55
PHONE_FOLLOW_UP_RATE = 0.35  # of the links still unanswered after a week, in branches with front-line staff
NOT_ANSWERED = 0.06  # chance a customer leaves an item blank
AFTER_SERVICE_MONTHS = (10, 7, 4, 1)  # quarterly, company-wide, to customers who had a repair visit
AFTER_SERVICE_PER_BRANCH = 8


@dataclass(frozen=True)
class ItemSpec:
    dimension: str
    weight: str
    text_en: str
    text_zh: str
    mean: float  # the average score customers give it (before mood, branch and month)
    importance: int  # how important they say it is, 1–10


CSI_ITEMS = [
    ItemSpec(
        "product_quality",
        "3",
        "The quality of your home and its fittings (doors, windows, plumbing, electrics)",
        "房屋及配套设施(门窗、水电)的质量",
        4.05,
        9,
    ),
    ItemSpec(
        "product_quality",
        "2",
        "Cleanliness and upkeep of the shared areas: lobbies, lifts, gardens, car park",
        "公共区域(大堂、电梯、园林、停车场)的清洁与维护",
        3.9,
        7,
    ),
    ItemSpec(
        "service_attitude",
        "2",
        "Courtesy and friendliness of our front desk and property staff",
        "前台及物业人员的礼貌与热情",
        4.2,
        7,
    ),
    ItemSpec(
        "service_attitude",
        "1",
        "Our staff listen to you and explain things clearly",
        "工作人员耐心倾听、解释清楚",
        4.0,
        6,
    ),
    ItemSpec(
        "response_speed",
        "2",
        "How quickly we respond after you report a repair",
        "报修后的响应速度",
        3.25,
        9,
    ),
    ItemSpec(
        "response_speed",
        "1",
        "How long it takes until a problem is completely solved",
        "问题彻底解决所需的时间",
        3.4,
        8,
    ),
    ItemSpec(
        "professionalism",
        "2",
        "Skill and professionalism of our repair and maintenance technicians",
        "维修人员的技术水平与专业程度",
        3.95,
        8,
    ),
    ItemSpec(
        "convenience",
        "1",
        "How easy it is to reach us: hotline, WeChat service account, front desk",
        "联系我们的便利程度(服务热线、微信服务号、前台)",
        4.1,
        5,
    ),
]
AFTER_SERVICE_ITEMS = [
    ItemSpec(
        "response_speed",
        "1",
        "The technician arrived at the agreed time",
        "维修人员按约定时间上门",
        3.55,
        8,
    ),
    ItemSpec(
        "professionalism",
        "1",
        "The problem was fixed properly the first time",
        "问题一次修好,没有返修",
        3.9,
        9,
    ),
    ItemSpec(
        "service_attitude",
        "1",
        "The technician was polite and left the place clean and tidy",
        "维修人员礼貌周到,完工后清理干净现场",
        4.3,
        7,
    ),
    ItemSpec(
        "convenience",
        "1",
        "Booking the repair was easy",
        "预约维修方便快捷",
        4.05,
        6,
    ),
]
CSI_TEMPLATE = TemplateData(
    name_en="Customer satisfaction survey",
    name_zh="客户满意度调查",
    intro_en=(
        "Thank you for living with us. This short survey takes about three minutes: please tell us how satisfied "
        "you are with our property services over the past six months, and how much each point matters to you. "
        "Every answer is read by the branch management team."
    ),
    intro_zh=(
        "感谢您选择我们的物业服务。本问卷约需三分钟,请就过去半年的服务为我们评分,并告诉我们每一项对您的重要程度。"
        "您的每一条意见都会由分公司管理团队认真阅读。"
    ),
    ask_importance=True,
    ask_repurchase=True,
    ask_recommend=True,
    ask_comment=True,
)
AFTER_SERVICE_TEMPLATE = TemplateData(
    name_en="After-service survey",
    name_zh="服务回访问卷",
    intro_en="You recently had a repair or maintenance visit from us. Four quick questions about how it went.",
    intro_zh="您近期接受了我们的上门维修或保养服务,请花一分钟回答四个问题,帮助我们做得更好。",
    ask_importance=False,
    ask_repurchase=False,
    ask_recommend=True,
    ask_comment=True,
)
# How each branch compares (Guangzhou has no front-line staff of its own yet) and who calls its customers.
BRANCH_OFFSET = {"BJ01": 0.1, "SH01": 0.0, "GZ01": -0.2}
CALLERS = {"BJ01": "frontline", "SH01": "frontline2"}

COMMENTS = {
    "zh": {
        "good": [
            "管家服务很贴心,每次报修都有人跟进到底。",
            "小区环境干净整洁,绿化也维护得很好,谢谢保洁阿姨。",
            "前台小姐姐很热情,办事效率高。",
            "维修师傅技术好,很专业。",
        ],
        "fair": [
            "总体还可以,就是报修后要等好几天才有人上门。",
            "地下停车场照明不足,晚上有点不安全,希望改善。",
            "希望微信报修能实时看到处理进度。",
            "节假日找不到人处理问题。",
        ],
        "poor": [
            "报修打了三次电话才有人来,响应太慢了。",
            "电梯坏了一个星期才修好,老人上下楼很不方便。",
            "物业费涨了,服务却没有提升。",
        ],
    },
    "en": {
        "good": [
            "The concierge team is friendly and always follows up.",
            "Common areas are spotless. Thank you to the cleaning team!",
            "The technician knew exactly what to do.",
        ],
        "fair": [
            "Generally fine, but repairs take days to get scheduled.",
            "It would help to see the status of a repair request in WeChat.",
            "The hotline is hard to get through at weekends.",
        ],
        "poor": [
            "It took three calls before anyone came to fix the leak.",
            "The lift was out of service for a whole week.",
        ],
    },
}
AFTER_SERVICE_COMMENTS = {
    "zh": {
        "good": ["师傅准时上门,很快就修好了,还把地面清理干净了。", "服务很好,下次还找你们。"],
        "fair": ["修好了,但比约定时间晚了一个小时。", "预约电话等了很久才接通。"],
        "poor": ["约好上午来,下午三点才到,也没有提前通知。", "修完第二天水龙头又开始滴水。"],
    },
    "en": {
        "good": ["On time, quick and tidy. Thank you!"],
        "fair": ["Fixed, but an hour later than agreed."],
        "poor": ["Had to call back twice; the tap still drips."],
    },
}


def seed(people: DemoPeople) -> int:
    """Questionnaires, a year of campaigns and answers, and a response for every revisit; returns the responses."""
    templates = {
        CSI_CODE: _template(people, CSI_CODE, CSI_TEMPLATE, CSI_ITEMS),
        AFTER_SERVICE_CODE: _template(people, AFTER_SERVICE_CODE, AFTER_SERVICE_TEMPLATE, AFTER_SERVICE_ITEMS),
    }
    if not Campaign.objects.filter(template__code__in=templates).exists():
        _campaigns(people, templates)
    _revisit_responses()
    # The answers were re-dated after the services wrote them (and their monthly sums): count them again by month.
    csi_summary_rebuild()
    return Response.objects.count()


def _template(people: DemoPeople, code: str, data: TemplateData, specs: list[ItemSpec]) -> SurveyTemplate:
    current = SurveyTemplate.objects.filter(code=code, is_current=True).first()
    if current is not None:
        return current  # made by an earlier seed (and perhaps changed since by an admin)
    dimensions = dict(Dimension.objects.values_list("code", "pk"))
    items = [
        ItemData(dimension_id=dimensions[s.dimension], text_en=s.text_en, text_zh=s.text_zh, weight=Decimal(s.weight))
        for s in specs
    ]
    return template_create(actor=people.users["admin"], code=code, data=dataclasses.replace(data, items=items))


@dataclass
class _Send:
    """One campaign of the year's plan: when, which questionnaire, which branch (None: all), which group."""

    sent_at: datetime
    template_code: str
    branch_code: str | None
    group: int
    months_ago: int


def _plan(now: datetime) -> list[_Send]:
    """Monthly CSI campaigns in each branch, and the quarterly company-wide after-service survey, oldest first."""
    morning = timezone.localtime(now).replace(hour=9, minute=30, second=0, microsecond=0)
    if morning > now:
        morning -= timedelta(days=1)
    plan = []
    for months_ago in range(MONTHS - 1, -1, -1):
        first = morning - timedelta(days=30 * months_ago + 6)
        for n, code in enumerate(BRANCH_OFFSET):
            plan.append(_Send(first + timedelta(hours=n), CSI_CODE, code, months_ago % ROTATION, months_ago))
        if months_ago in AFTER_SERVICE_MONTHS:
            # The group the CSI campaigns leave alone longest around that month.
            group = (months_ago + ROTATION // 2) % ROTATION
            plan.append(_Send(first + timedelta(days=2), AFTER_SERVICE_CODE, None, group, months_ago))
    return plan


def _campaigns(people: DemoPeople, templates: dict[str, SurveyTemplate]) -> None:
    rng = random.Random(20261201)
    now = timezone.now()
    gm = people.users["gm"]
    groups: dict[str, list[list[Customer]]] = {}
    for code, branch in people.branches.items():
        active = list(Customer.objects.filter(branch=branch).exclude(status=Customer.Status.CHURNED).order_by("code"))
        groups[code] = [active[g::ROTATION] for g in range(ROTATION)]
    items = {
        code: [(item, _spec_for(item)) for item in template.items.select_related("dimension")]
        for code, template in templates.items()
    }
    for send in _plan(now):
        template = templates[send.template_code]
        if send.branch_code:
            picked = [c for c in groups[send.branch_code][send.group] if c.created_at < send.sent_at]
            name = f"{timezone.localtime(send.sent_at):%Y-%m} {template.name_zh} {template.name_en} · "
            name += people.branches[send.branch_code].name
            skip_days = 90
        else:
            picked = []
            for code in BRANCH_OFFSET:
                group = [c for c in groups[code][send.group] if c.created_at < send.sent_at]
                picked += rng.sample(group, min(AFTER_SERVICE_PER_BRANCH, len(group)))
            name = f"{timezone.localtime(send.sent_at):%Y-%m} {template.name_zh} {template.name_en}"
            skip_days = 30
        campaign = campaign_create(
            actor=gm,
            campaign=Campaign(
                name=name,
                template=template,
                branch=people.branches[send.branch_code] if send.branch_code else None,
                skip_recent_days=skip_days,
                link_valid_days=LINK_VALID_DAYS,
                created_at=send.sent_at - timedelta(days=2),
            ),
            picked=[c.pk for c in picked],
        )
        campaign_send(actor=gm, campaign_id=campaign.pk, now=send.sent_at)
        _answer(campaign, send, items[send.template_code], people, rng, now)
        if send.months_ago >= 2:  # the survey period is over: closed, its unanswered links expired
            campaign_close(actor=gm, campaign_id=campaign.pk)
            Campaign.objects.filter(pk=campaign.pk).update(
                closed_at=send.sent_at + timedelta(days=LINK_VALID_DAYS, hours=1)
            )


def _spec_for(item) -> ItemSpec | None:
    return next((s for s in CSI_ITEMS + AFTER_SERVICE_ITEMS if s.text_en == item.text_en), None)


def _answer(campaign: Campaign, send: _Send, items: list, people: DemoPeople, rng: random.Random, now) -> None:
    """Some answer the link within two weeks, some on the phone when called after a week, the rest never.

    Dated at once, before the next campaign is sent: its audience leaves out whoever answered in the last 90 days,
    and answers still stamped with today would leave out every customer who ever answered."""
    gm = people.users["gm"]
    invitations = list(campaign.invitations.select_related("customer__branch").order_by("pk"))
    month_offset = 0.3 * (MONTHS - 1 - send.months_ago) / (MONTHS - 1) - 0.15  # slowly getting better
    expires = send.sent_at + timedelta(days=LINK_VALID_DAYS)
    answered_at: dict[int, datetime] = {}  # response pk -> when
    for invitation in invitations:
        customer = invitation.customer
        branch_code = customer.branch.code
        invitation.emailed_at = send.sent_at + timedelta(minutes=5) if customer.email else None
        chinese = any("\u4e00" <= ch <= "\u9fff" for ch in customer.name)
        language = "zh-hans" if (chinese and rng.random() < 0.9) or (not chinese and rng.random() < 0.2) else "en"
        offset = month_offset + BRANCH_OFFSET[branch_code]
        caller = people.users.get(CALLERS.get(branch_code, ""))
        if rng.random() < LINK_ANSWER_RATE:
            at = send.sent_at + timedelta(hours=min(rng.expovariate(1 / 40), 13 * 24))
            if at >= now:
                continue  # not yet: still pending
            data = _answer_data(rng, campaign.template, items, offset, language)
            token = invitation_link_token(actor=gm, invitation=invitation)
            with translation.override(language):
                response = response_submit(token=token, data=data, now=at)
            invitation.opened_at = at - timedelta(minutes=rng.randint(2, 30))
            invitation.answered_at = answered_at[response.pk] = at
        elif caller is not None and rng.random() < PHONE_FOLLOW_UP_RATE:
            at = send.sent_at + timedelta(days=rng.uniform(7, 13))
            if at >= now:
                continue
            data = _answer_data(rng, campaign.template, items, offset, language)
            with translation.override(language):
                response = response_record_phone(
                    actor=caller,
                    customer_id=customer.pk,
                    template_id=campaign.template_id,
                    data=data,
                    campaign_id=campaign.pk,
                )
            invitation.answered_at = answered_at[response.pk] = at
        elif rng.random() < 0.3:  # opened the link, never answered
            invitation.opened_at = min(send.sent_at + timedelta(hours=rng.uniform(1, 96)), expires, now)
    Invitation.objects.bulk_update(invitations, ["emailed_at", "opened_at", "answered_at"])
    responses = list(Response.objects.filter(pk__in=answered_at))
    for response in responses:
        response.answered_at = answered_at[response.pk]
    Response.objects.bulk_update(responses, ["answered_at"])


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _answer_data(rng: random.Random, template: SurveyTemplate, items: list, offset: float, language: str) -> AnswerData:
    mood = rng.gauss(0, 0.45) + offset  # one customer is happier than another with the same service
    scores: dict[int, int] = {}
    importances: dict[int, int] = {}
    for item, spec in items:
        if rng.random() < NOT_ANSWERED:
            continue
        mean, importance = (spec.mean, spec.importance) if spec else (4.0, 7)
        scores[item.pk] = _clamp(mean + mood + rng.gauss(0, 0.55), 1, 5)
        if template.ask_importance and rng.random() < 0.9:
            importances[item.pk] = _clamp(importance + rng.gauss(0, 1.1), 1, 10)
    if not scores:
        item, spec = items[0]
        scores[item.pk] = _clamp((spec.mean if spec else 4.0) + mood, 1, 5)
    weights = {item.pk: float(item.weight) for item, _spec in items}
    average = sum(weights[pk] * score for pk, score in scores.items()) / sum(weights[pk] for pk in scores)
    overall = _clamp(average + rng.gauss(0, 0.35), 1, 5) if rng.random() > 0.04 else None
    satisfaction = overall or average
    data = AnswerData(scores=scores, importances=importances, overall=overall)
    if template.ask_recommend and rng.random() > 0.08:
        data.recommend = _clamp(2.6 * satisfaction - 1.95 + rng.gauss(0, 1.3), 0, 10)
    if template.ask_repurchase and rng.random() > 0.08:
        choices = (Repurchase.YES, Repurchase.UNSURE, Repurchase.NO)
        weights_by_mood = (80, 15, 5) if satisfaction >= 3.5 else (35, 45, 20) if satisfaction >= 2.5 else (10, 30, 60)
        data.repurchase = rng.choices(choices, weights_by_mood)[0]
    if template.ask_comment and rng.random() < (0.25 if satisfaction >= 3.5 else 0.5):
        pool = COMMENTS if template.ask_importance else AFTER_SERVICE_COMMENTS
        tone = "good" if satisfaction >= 4 else "fair" if satisfaction >= 3 else "poor"
        data.comment = rng.choice(pool["zh" if language.startswith("zh") else "en"][tone])
    return data


def _revisit_responses() -> None:
    """Every revisit is also a survey answer: revisit_record makes it; revisits recorded before the satisfaction
    app existed get theirs now, dated when the revisit was."""
    for revisit in (
        Revisit.objects.filter(satisfaction_response__isnull=True).select_related("complaint").order_by("pk")
    ):
        response = response_from_revisit(revisit)
        if response is not None:
            Response.objects.filter(pk=response.pk).update(answered_at=revisit.recorded_at)

"""Default configuration an admin can change: categories, SLA limits, calendar, canned phrases (话术).

The phrases are the scripts of the source training material.
"""

from django.db import migrations

CATEGORIES = [
    ("product_quality", "Product quality", "商品品质", 1),
    ("service_manner", "Service manner", "服务方式", 2),
    ("delivery", "Delivery", "配送", 3),
    ("billing", "Billing", "账单", 4),
    ("other", "Other", "其他", 9),
]
# severity, first response (business hours), resolution (business hours)
SLA = [("general", 8, 40), ("important", 4, 24), ("major", 2, 8)]
PHRASES = [
    ("apology", "非常抱歉 Sincere apology", "非常抱歉,我会确保这个问题不再发生,以免给您带来更多的不便。"),
    ("empathy", "理解不便 Acknowledge the trouble", "我明白这个问题给您带来了不便,我会尽快帮您解决的。"),
    (
        "empathy",
        "关注需求 We care",
        "我们非常关注您的需求和反馈,如有任何问题或需求,请随时与我们联系,我们会第一时间为您解决。",
    ),
    (
        "question",
        "征询意见 Ask for feedback",
        "我们非常重视您的意见和反馈,是否方便分享一下您对我们产品的体验和改进建议?",
    ),
    (
        "revisit",
        "回访:问题是否解决 Revisit: is it solved?",
        "您上次反馈的问题我们已经解决了吗?如果还有任何不满或疑问,欢迎您继续与我们联系。",
    ),
    (
        "revisit",
        "回访:使用体验 Revisit: experience",
        "在这段时间内,您对我们的产品是否有什么体验或建议?我们非常重视您的反馈,期待与您进一步的沟通。",
    ),
    (
        "other",
        "感谢建议 Thanks for the suggestion",
        "非常感谢您对我们公司提出的建议和意见!我们将会认真对待并改进我们的产品和服务,以满足客户的需求。",
    ),
]


def create_defaults(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    BusinessCalendar = apps.get_model("complaints", "BusinessCalendar")
    CannedPhrase = apps.get_model("complaints", "CannedPhrase")
    ComplaintSettings = apps.get_model("complaints", "ComplaintSettings")
    for code, en, zh, order in CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh, "sort_order": order})
    for severity, response, resolution in SLA:
        SlaPolicy.objects.get_or_create(
            severity=severity, defaults={"response_hours": response, "resolution_hours": resolution}
        )
    if not BusinessCalendar.objects.filter(branch__isnull=True).exists():
        BusinessCalendar.objects.create(branch=None)
    ComplaintSettings.objects.get_or_create(pk=1)
    for kind, title, text in PHRASES:
        CannedPhrase.objects.get_or_create(title=title, defaults={"kind": kind, "text": text})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

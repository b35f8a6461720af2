"""The sources' usual CSI dimensions, and the one-item questionnaire every complaint revisit answers."""

from django.db import migrations

DIMENSIONS = [
    ("product_quality", "Product quality", "产品质量"),
    ("service_attitude", "Service attitude", "服务态度"),
    ("response_speed", "Response speed", "响应速度"),
    ("professionalism", "Professionalism", "专业能力"),
    ("convenience", "Convenience", "便利性"),
    ("complaint_handling", "Complaint handling", "投诉处理"),
]


def create_defaults(apps, schema_editor):
    Dimension = apps.get_model("satisfaction", "Dimension")
    SurveyTemplate = apps.get_model("satisfaction", "SurveyTemplate")
    SurveyItem = apps.get_model("satisfaction", "SurveyItem")
    for order, (code, en, zh) in enumerate(DIMENSIONS):
        Dimension.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh, "sort_order": order})
    template, made = SurveyTemplate.objects.get_or_create(
        code="complaint-revisit",
        version=1,
        defaults={
            "kind": "revisit",
            "name_en": "Complaint revisit",
            "name_zh": "投诉回访",
            "ask_importance": False,
            "ask_repurchase": False,
            "ask_recommend": False,
            "ask_comment": False,
        },
    )
    if made:
        SurveyItem.objects.create(
            template=template,
            dimension=Dimension.objects.get(code="complaint_handling"),
            text_en="How satisfied are you with how we handled your complaint?",
            text_zh="您对我们处理投诉的结果满意吗？",
            weight=1,
        )


class Migration(migrations.Migration):
    dependencies = [("satisfaction", "0001_surveys")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

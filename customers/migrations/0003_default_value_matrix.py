"""Default value-matrix settings and the four quadrant policies, from the source material.

An admin changes them in /config/; this only creates what is missing.
"""

from django.db import migrations

# quadrant, strategy (English), strategy (Chinese), default contact every N days, channel
POLICIES = [
    (
        "high",
        "One-to-one retention: give them the best resources, a named account manager, regular visits "
        "and first access to new offers. Watch every complaint personally.",
        "一对一维系:投入最优资源,指定客户经理,定期拜访,新品优先体验;每一次投诉都亲自跟进。",
        30,
        "visit",
    ),
    (
        "secondary",
        "Keep them and extend the stable period: steady service, loyalty rewards, regular check-in calls; "
        "look for needs we do not serve yet.",
        "保持关系,延长稳定期:稳定的服务、忠诚回馈、定期电话问候;发掘尚未满足的需求。",
        60,
        "phone",
    ),
    (
        "potential",
        "Invest and grow trust: understand their plans, offer trials and solutions for their growth, "
        "visit to build the relationship.",
        "投入资源,建立信任:了解客户计划,提供试用和成长方案,上门拜访培养关系。",
        45,
        "visit",
    ),
    (
        "low",
        "Develop or let go: serve efficiently through low-cost channels (SMS, email, IM); "
        "develop those that show growth.",
        "开发或放弃:通过短信、邮件、即时通讯等低成本渠道高效服务;对有增长迹象的客户加以培养。",
        180,
        "sms",
    ),
]


def create_defaults(apps, schema_editor):
    ValueMatrixSettings = apps.get_model("customers", "ValueMatrixSettings")
    QuadrantPolicy = apps.get_model("customers", "QuadrantPolicy")
    ValueMatrixSettings.objects.get_or_create(pk=1)
    for quadrant, en, zh, days, channel in POLICIES:
        QuadrantPolicy.objects.get_or_create(
            quadrant=quadrant,
            defaults={"strategy_en": en, "strategy_zh": zh, "contact_every_days": days, "contact_channel": channel},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_customer_record_value_visits"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from tests.complaints.factories import CategoryFactory


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """django-ratelimit's clock, stopped, and its counts from zero: each test starts with a fresh window."""
    now = SimpleNamespace(value=1_900_000_000.0)
    monkeypatch.setattr("django_ratelimit.core.time", SimpleNamespace(time=lambda: now.value))
    cache.clear()
    yield now


@pytest.fixture
def other_category(db):
    """The category a complaint filed by the customer gets (the data migration's "other"; gone in flushed tests)."""
    return CategoryFactory(code="other", name_en="Other", name_zh="其他")

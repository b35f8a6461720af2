import pytest

from crm_site.jobs import services


@pytest.fixture
def sent(monkeypatch):
    """The ids handed to the broker send (jobs_dispatch), which is all this replaces."""
    ids: list[int] = []

    def record(*, job_ids):
        ids.extend(job_ids)
        return len(job_ids)

    monkeypatch.setattr(services, "jobs_dispatch", record)
    return ids

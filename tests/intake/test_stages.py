"""The stage the customer reads, by hand from the six steps (DOMAIN §1) and the issue's four plain words:
Listen and Share hear the customer out (received), Problem and Check investigate (being investigated), Action
proposes and carries out the plan (solution proposed), Satisfy and a satisfied close are resolved; a close without
the customer's satisfaction is only "closed"."""

from types import SimpleNamespace

import pytest

from intake.stages import stage_of

EXPECTED = [
    ("listen", False, "received"),
    ("share", False, "received"),
    ("problem", False, "investigating"),
    ("check", False, "investigating"),
    ("action", False, "proposed"),
    ("satisfy", False, "resolved"),
    ("closed", False, "resolved"),
    ("closed", True, "closed"),
]


@pytest.mark.parametrize(("step", "without_satisfaction", "stage"), EXPECTED)
def test_each_step_reads_as_its_plain_stage(step, without_satisfaction, stage):
    complaint = SimpleNamespace(step=step, closed_without_satisfaction=without_satisfaction)
    assert stage_of(complaint) == stage

"""The cells of every export: a spreadsheet must not run them, and typed values stay typed."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from crm_site.exports.models import ExportAudit
from crm_site.exports.tables import filters_query, query_filters, safe_cell, table_response

pytestmark = pytest.mark.django_db

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


def test_other_values_stay_as_they_are():
    assert safe_cell("王伟 = fine") == "王伟 = fine"
    assert safe_cell(None) == ""
    assert safe_cell(-5) == -5  # a negative number is a number, not a formula
    assert safe_cell(Decimal("12.50")) == Decimal("12.50")
    assert safe_cell(datetime.date(2026, 3, 1)) == datetime.date(2026, 3, 1)
    # 2026-03-01 16:30 UTC is 2026-03-02 00:30 in Shanghai (UTC+8): Excel gets the local time, without a zone.
    with timezone.override(ZoneInfo("Asia/Shanghai")):
        moment = datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC)
        assert safe_cell(moment) == datetime.datetime(2026, 3, 2, 0, 30)


def test_filters_round_trip_without_page_and_format():
    query = RequestFactory().get("/?step=open&tag=1&tag=2&page=3&format=csv").GET
    assert query_filters(query) == {"step": "open", "tag": ["1", "2"]}
    back = filters_query({"step": "open", "tag": ["1", "2"]})
    assert back.getlist("tag") == ["1", "2"] and back["step"] == "open"


@pytest.fixture
def request_of(frontline):
    request = RequestFactory().get("/reports/x/?month=2026-03&page=2")
    request.user = frontline
    return request


def test_table_response_csv_and_audit(request_of, frontline):
    response = table_response(
        request_of, kind="report", filename="report.csv", columns=["Name", "=n"], rows=[["=evil", 3]], fmt="csv"
    )
    body = response.content.decode("utf-8")  # a list is in memory already: sent whole
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body.lstrip("\ufeff")))) == [["Name", "'=n"], ["'=evil", "3"]]
    assert 'filename="report.csv"' in response["Content-Disposition"]
    audit = ExportAudit.objects.get()
    assert (audit.user, audit.kind, audit.format, audit.filters, audit.row_count) == (
        frontline,
        "report",
        "csv",
        {"month": "2026-03"},
        1,
    )


def test_table_response_counts_a_streamed_generator_at_its_end(request_of):
    rows = ([i, f"-{i}"] for i in range(4))
    response = table_response(request_of, kind="report", filename="r", columns=["n", "t"], rows=rows, fmt="csv")
    assert response.streaming
    assert ExportAudit.objects.get().row_count is None  # not known before it has streamed
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "'-3" in body
    assert ExportAudit.objects.get().row_count == 4


def test_table_response_xlsx_keeps_types_and_neutralises(request_of):
    response = table_response(
        request_of,
        kind="report",
        filename="report",
        columns=["Name", "Amount"],
        rows=[["@cmd", Decimal("2.5")], ["ok", -1]],
        fmt="xlsx",
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [["Name", "Amount"], ["'@cmd", 2.5], ["ok", -1]]
    assert ExportAudit.objects.get().row_count == 2


def test_table_response_refuses_another_format(request_of):
    with pytest.raises(Http404):
        table_response(request_of, kind="report", filename="r", columns=["a"], rows=[], fmt="pdf")
    assert not ExportAudit.objects.exists()

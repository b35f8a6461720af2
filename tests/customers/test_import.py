"""Transactions import: every row checked and reported, good rows imported together, once, or not at all."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from customers.imports import ImportFileError, read_rows, row_error_text
from customers.models import Customer, ImportBatch, Purchase
from customers.services import transactions_import, transactions_preview
from customers.workflow import CustomerError
from tests.factories import CustomerFactory

from .factories import PurchaseFactory

pytestmark = pytest.mark.django_db


def csv_upload(text: str, name="sales.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.fixture
def codes(branch, other_branch):
    mine = CustomerFactory(branch=branch, code="C1")
    CustomerFactory(branch=other_branch, code="SH1")
    PurchaseFactory(customer=mine, reference="SO-OLD", date=date(2026, 1, 5))
    return mine


def worded(errors) -> str:
    """A row's stored errors as the reader sees them."""
    return " ".join(row_error_text(e) for e in errors)


def sample_csv() -> str:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    return "\n".join(
        [
            "customer_code,date,amount,margin,product,reference",
            "C1,2026-03-01,100.50,20,RX-520,SO-1",  # 2 good
            "NOPE,2026-03-01,10,,x,",  # 3 unknown customer
            "SH1,2026-03-01,10,,x,",  # 4 another branch's customer: unknown to this user
            "C1,31/03/2026,10,,x,",  # 5 not a date
            f"C1,{tomorrow},10,,x,",  # 6 in the future
            "C1,2026-03-01,-5,,x,",  # 7 negative amount
            "C1,2026-03-01,10,11,x,",  # 8 margin above the amount
            "C1,2026-03-02,10,,x,SO-1",  # 9 same order twice in the file
            "C1,2026-03-02,10,,x,SO-OLD",  # 10 already imported
            ",,,,,",  # 11 blank line: skipped
            'C1,2026/03/02,"1,200",,配件,',  # 12 good: other date style, thousands separator, no margin
            "C1,2026-03-03,10.555,,x,",  # 13 three decimals
        ]
    )


def test_preview_reports_every_bad_row_and_keeps_the_good_ones(manager, codes):
    preview = transactions_preview(actor=manager, filename="sales.csv", records=read_rows(csv_upload(sample_csv())))
    batch = preview.batch
    assert batch.status == "previewed" and batch.total_rows == 11
    assert [r["row"] for r in batch.good_rows] == [2, 12]
    assert batch.good_rows[1]["amount"] == "1200" and batch.good_rows[1]["margin"] == "0"
    errors = {e["row"]: worded(e["errors"]) for e in batch.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 13]
    assert "NOPE" in errors[3] and "SH1" in errors[4]
    assert "date" in errors[5] and "future" in errors[6]
    assert "more than 0" in errors[7] and "margin" in errors[8]
    assert "twice" in errors[9] and "already imported" in errors[10]
    assert "two decimals" in errors[13]
    assert Purchase.objects.count() == 1  # nothing written by the preview


def test_confirm_imports_the_good_rows_once(manager, codes):
    batch = transactions_preview(actor=manager, filename="s.csv", records=read_rows(csv_upload(sample_csv()))).batch
    batch = transactions_import(actor=manager, batch_id=batch.pk)
    assert (batch.status, batch.imported_rows) == ("imported", 2)
    imported = Purchase.objects.filter(import_batch=batch).order_by("date")
    assert [(p.date, p.amount, p.margin, p.reference) for p in imported] == [
        (date(2026, 3, 1), Decimal("100.50"), Decimal("20.00"), "SO-1"),
        (date(2026, 3, 2), Decimal("1200.00"), Decimal("0.00"), ""),
    ]
    assert Customer.objects.get(pk=codes.pk).last_purchase_on == date(2026, 3, 2)
    with pytest.raises(CustomerError):
        transactions_import(actor=manager, batch_id=batch.pk)
    assert Purchase.objects.count() == 3


def test_rows_that_became_bad_since_the_preview_are_reported_not_imported(manager, codes):
    batch = transactions_preview(actor=manager, filename="s.csv", records=read_rows(csv_upload(sample_csv()))).batch
    PurchaseFactory(customer=codes, reference="SO-1")  # imported meanwhile by someone else
    batch = transactions_import(actor=manager, batch_id=batch.pk)
    assert batch.imported_rows == 1
    assert any(e["row"] == 2 and "already imported" in worded(e["errors"]) for e in batch.errors)


def test_nothing_is_half_written_when_the_import_fails(manager, codes, monkeypatch):
    batch = transactions_preview(actor=manager, filename="s.csv", records=read_rows(csv_upload(sample_csv()))).batch

    def fail(*args, **kwargs):
        raise IntegrityError("disk full")

    monkeypatch.setattr(ImportBatch, "save", fail)  # fails after the purchases were inserted
    with pytest.raises(IntegrityError):
        transactions_import(actor=manager, batch_id=batch.pk)
    monkeypatch.undo()
    assert Purchase.objects.count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).status == "previewed"


def test_only_the_uploader_confirms_and_only_importing_roles_preview(manager, frontline, gm, codes):
    batch = transactions_preview(actor=manager, filename="s.csv", records=read_rows(csv_upload(sample_csv()))).batch
    with pytest.raises(CustomerError):
        transactions_import(actor=gm, batch_id=batch.pk)
    with pytest.raises(CustomerError):
        transactions_preview(actor=frontline, filename="s.csv", records=[])


def test_excel_files_with_chinese_headings(manager, codes):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["客户编号", "日期", "金额", "毛利", "产品", "单号"])
    sheet.append(["C1", datetime(2026, 4, 1, 0, 0), 88.8, 10, "保养", "X-1"])
    sheet.append(["C1", "not a date", 10, None, None, None])
    data = io.BytesIO()
    book.save(data)
    upload = SimpleUploadedFile("sales.xlsx", data.getvalue())
    batch = transactions_preview(actor=manager, filename="sales.xlsx", records=read_rows(upload)).batch
    assert [(r["row"], r["date"], r["amount"]) for r in batch.good_rows] == [(2, "2026-04-01", "88.8")]
    assert [e["row"] for e in batch.errors] == [3]


def test_gbk_csv_and_unreadable_files():
    rows = read_rows(csv_upload("客户编号,日期,金额\nC1,2026-01-01,5\n", encoding="gbk"))
    assert rows == [{"customer_code": "C1", "date": "2026-01-01", "amount": "5"}]
    with pytest.raises(ImportFileError, match="amount"):
        read_rows(csv_upload("customer_code,date\nC1,2026-01-01\n"))
    with pytest.raises(ImportFileError):
        read_rows(SimpleUploadedFile("sales.pdf", b"%PDF"))
    with pytest.raises(ImportFileError):
        read_rows(SimpleUploadedFile("sales.xlsx", b"not a zip"))


def test_import_pages(client, manager, frontline, codes):
    client.force_login(frontline)
    assert client.get(reverse("customers:import")).status_code == 403
    client.force_login(manager)
    response = client.post(reverse("customers:import"), {"file": csv_upload(sample_csv())})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse("customers:import_preview", args=[batch.pk])
    page = client.get(response.url)
    assert page.status_code == 200
    assert b"No customer with code NOPE." in page.content
    response = client.post(reverse("customers:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    assert Purchase.objects.filter(import_batch=batch).count() == 2
    again = client.post(reverse("customers:import_confirm", args=[batch.pk]), follow=True)
    assert b"already imported or cancelled" in again.content
    assert Purchase.objects.filter(import_batch=batch).count() == 2
    bad = client.post(reverse("customers:import"), {"file": csv_upload("a,b\n1,2\n")})
    assert bad.status_code == 200 and b"missing" in bad.content


def test_amounts_margins_and_dates_must_fit_the_columns(manager, codes):
    text = "\n".join(
        [
            "customer_code,date,amount,margin,product,reference",
            "C1,2026-03-01,999999999999.99,-999999999999.99,x,",  # 2 good: the largest the columns hold
            "C1,2026-03-01,1000000000000,,x,",  # 3 amount too large
            "C1,2026-03-01,5e20,,x,",  # 4 amount too large, written as a power of ten
            "C1,2026-03-01,100,-1000000000000,x,",  # 5 margin too large (a loss)
            "C1,1999-12-31,100,,x,",  # 6 before 2000
            "C1,2000-01-01,100,,x,",  # 7 good
        ]
    )
    batch = transactions_preview(actor=manager, filename="s.csv", records=read_rows(csv_upload(text))).batch
    assert [r["row"] for r in batch.good_rows] == [2, 7]
    errors = {e["row"]: worded(e["errors"]) for e in batch.errors}
    assert "amount is larger" in errors[3] and "amount is larger" in errors[4]
    assert "margin is larger" in errors[5] and "before 2000-01-01" in errors[6]
    batch = transactions_import(actor=manager, batch_id=batch.pk)
    assert batch.imported_rows == 2
    assert Purchase.objects.filter(import_batch=batch, amount=Decimal("999999999999.99")).exists()


def test_a_too_large_amount_kept_from_an_older_preview_is_reported_not_a_crash(client, manager, codes):
    batch = ImportBatch.objects.create(
        filename="old.csv",
        total_rows=1,
        created_by=manager,
        good_rows=[
            {"row": 2, "customer_id": codes.pk, "customer_code": "C1", "date": "2026-03-01", "amount": "1e15",
             "margin": "0", "product": "", "reference": ""}
        ],
    )  # fmt: skip
    client.force_login(manager)
    response = client.post(reverse("customers:import_confirm", args=[batch.pk]), follow=True)
    assert response.status_code == 200 and b"amount is larger" in response.content  # reported, not a 500
    batch.refresh_from_db()
    assert (batch.status, batch.imported_rows) == ("imported", 0)
    assert "amount is larger" in worded(batch.errors[0]["errors"])


def test_confirm_page_does_not_fail_on_a_database_error(client, manager, codes, monkeypatch):
    from customers import services

    batch = transactions_preview(actor=manager, filename="s.csv", records=read_rows(csv_upload(sample_csv()))).batch

    def fail(**kwargs):
        raise IntegrityError("numeric field overflow")

    monkeypatch.setattr(services, "transactions_import", fail)
    client.force_login(manager)
    response = client.post(reverse("customers:import_confirm", args=[batch.pk]), follow=True)
    assert response.status_code == 200
    assert b"nothing was imported" in response.content
    assert ImportBatch.objects.get(pk=batch.pk).status == "previewed"


def test_row_errors_are_worded_in_the_readers_language_not_the_uploaders(client, manager, codes):
    client.force_login(manager)
    client.post(reverse("customers:import"), {"file": csv_upload(sample_csv())}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    batch = ImportBatch.objects.get()
    # Kept as what went wrong, not as words in the uploader's language.
    row_3 = next(e for e in batch.errors if e["row"] == 3)
    assert row_3["errors"] == [{"code": "customer_unknown", "params": {"code": "NOPE"}}]
    url = reverse("customers:import_preview", args=[batch.pk])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "No customer with code NOPE." in english and "没有编号为 NOPE 的客户。" not in english
    assert "没有编号为 NOPE 的客户。" in chinese and "No customer with code NOPE." not in chinese
    assert "日期晚于今天。" in chinese and "The date is in the future." in english


def test_row_errors_kept_as_text_by_older_batches_are_shown_as_they_are(client, manager):
    batch = ImportBatch.objects.create(
        filename="old.csv",
        total_rows=2,
        created_by=manager,
        errors=[{"row": 2, "errors": ["No customer with code OLD1.", "The date is in the future."]},
                {"row": 3, "errors": ["The <b>amount</b> must be more than 0."]}],
    )  # fmt: skip
    client.force_login(manager)
    page = client.get(reverse("customers:import_preview", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    content = page.content.decode()
    assert "No customer with code OLD1. The date is in the future." in content
    assert "The &lt;b&gt;amount&lt;/b&gt; must be more than 0." in content  # text from a file is escaped


def test_a_long_unknown_code_is_quoted_shortened():
    from customers.imports import check_rows

    code = "X" * 5000
    [row] = check_rows(
        [{"customer_code": code, "date": "2026-01-01", "amount": "5"}],
        customers_by_code={},
        known_references=set(),
        today=date(2026, 6, 1),
    )
    assert len(row.errors) == 1 and len(row.errors[0]["params"]["code"]) == 60
    assert row_error_text(row.errors[0]) == f"No customer with code {'X' * 59}…."

"""Reading and checking a transactions file (CSV or Excel) row by row, before anything is written.

``read_rows`` turns the upload into plain dicts keyed by our column names; ``check_rows`` says, for
each row, either the clean values or what is wrong with it. The services decide what to write.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024

# Our column → the headings people use for it (English and Chinese, compared case-insensitively).
HEADINGS = {
    "customer_code": ["customer_code", "customer code", "customer", "code", "客户编号", "客户代码", "客户编码"],
    "date": ["date", "order date", "日期", "交易日期", "下单日期"],
    "amount": ["amount", "revenue", "sales", "金额", "销售额", "交易金额"],
    "margin": ["margin", "profit", "gross margin", "毛利", "利润"],
    "product": ["product", "item", "产品", "商品"],
    "reference": ["reference", "order", "order number", "order_number", "单号", "订单号"],
}
REQUIRED = ("customer_code", "date", "amount")
# What the columns hold (Purchase.amount and .margin: 14 digits, 2 of them decimals) and the oldest date we take.
MAX_MONEY = Decimal("999999999999.99")
EARLIEST_DATE = date(2000, 1, 1)
COLUMN_LABELS = {
    "customer_code": gettext_lazy("customer code"),
    "date": gettext_lazy("date"),
    "amount": gettext_lazy("amount"),
}


class ImportFileError(Exception):
    """The file as a whole cannot be read; ``str(error)`` is the message the user sees."""


@dataclass
class CheckedRow:
    row: int  # the line number in the file, the heading being line 1
    values: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _column_for(heading) -> str | None:
    text = str(heading or "").strip().lower()
    for column, names in HEADINGS.items():
        if text in names:
            return column
    return None


def _records(table: list[list]) -> list[dict]:
    if not table:
        raise ImportFileError(_("The file is empty."))
    columns = [_column_for(h) for h in table[0]]
    missing = [COLUMN_LABELS[c] for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(columns)s.") % {"columns": ", ".join(map(str, missing))}
        )
    records = []
    for cells in table[1:]:
        if all(c is None or str(c).strip() == "" for c in cells):
            records.append(None)  # blank line: keeps line numbers right, skipped later
            continue
        record = {}
        for column, cell in zip(columns, cells, strict=False):
            if column:
                record[column] = cell
        records.append(record)
    if sum(1 for r in records if r is not None) > MAX_ROWS:
        raise ImportFileError(_("At most %(max)s rows per file; split the file.") % {"max": MAX_ROWS})
    return records


def read_rows(upload) -> list[dict | None]:
    """The rows of an uploaded .csv or .xlsx file (None for blank lines)."""
    name = (upload.name or "").lower()
    if upload.size and upload.size > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 10 MB."))
    data = upload.read()
    if name.endswith(".xlsx"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
            raise ImportFileError(_("This is not a readable Excel (.xlsx) file.")) from exc
        sheet = book.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
        book.close()
        return _records(table)
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK text."))
        return _records(list(csv.reader(io.StringIO(text))))
    raise ImportFileError(_("Upload a .csv or .xlsx file."))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _money(value) -> Decimal | None:
    text = _text(value).replace(",", "").replace("¥", "").replace("￥", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return amount


def check_rows(
    records: list[dict | None],
    *,
    customers_by_code: dict[str, int],
    known_references: set[tuple[int, str]],
    today: date,
) -> list[CheckedRow]:
    """Each non-blank row with its clean values or its errors. Unknown customers include those the user may not see."""
    checked = []
    seen_references: set[tuple[int, str]] = set()
    for index, record in enumerate(records, start=2):
        if record is None:
            continue
        row = CheckedRow(row=index)
        code = _text(record.get("customer_code"))
        customer_id = customers_by_code.get(code)
        if not code:
            row.errors.append(_("The customer code is missing."))
        elif customer_id is None:
            row.errors.append(_("No customer with code %(code)s.") % {"code": code})
        day = _date(record.get("date"))
        if day is None:
            row.errors.append(_("The date is missing or not a date like 2026-03-31."))
        elif day > today:
            row.errors.append(_("The date is in the future."))
        elif day < EARLIEST_DATE:
            row.errors.append(_("The date is before %(earliest)s.") % {"earliest": EARLIEST_DATE.isoformat()})
        amount = _money(record.get("amount"))
        if amount is None:
            row.errors.append(_("The amount is missing or not a number."))
        elif amount <= 0:
            row.errors.append(_("The amount must be more than 0."))
        elif amount.as_tuple().exponent < -2:
            row.errors.append(_("The amount has more than two decimals."))
        elif amount > MAX_MONEY:
            row.errors.append(_("The amount is larger than %(max)s.") % {"max": f"{MAX_MONEY:,}"})
        margin_text = _text(record.get("margin"))
        margin = _money(margin_text) if margin_text else Decimal("0")
        if margin is None:
            row.errors.append(_("The margin is not a number."))
        elif amount is not None and amount > 0 and margin > amount:
            row.errors.append(_("The margin is larger than the amount."))
        elif margin.as_tuple().exponent < -2:
            row.errors.append(_("The margin has more than two decimals."))
        elif abs(margin) > MAX_MONEY:
            row.errors.append(_("The margin is larger than %(max)s.") % {"max": f"{MAX_MONEY:,}"})
        product = _text(record.get("product"))[:200]
        reference = _text(record.get("reference"))
        if len(reference) > 50:
            row.errors.append(_("The order number is longer than 50 characters."))
        elif reference and customer_id is not None:
            key = (customer_id, reference)
            if key in known_references:
                row.errors.append(_("Order %(reference)s is already imported.") % {"reference": reference})
            elif key in seen_references:
                row.errors.append(_("Order %(reference)s appears twice in the file.") % {"reference": reference})
            seen_references.add(key)
        if not row.errors:
            row.values = {
                "customer_id": customer_id,
                "customer_code": code,
                "date": day.isoformat(),
                "amount": str(amount),
                "margin": str(margin),
                "product": product,
                "reference": reference,
            }
        checked.append(row)
    return checked

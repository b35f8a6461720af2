"""URL path converters."""

# The largest value of a signed 64-bit integer: every id column (SQLite INTEGER, PostgreSQL bigint) stops here.
MAX_ID = 2**63 - 1


class IdConverter:
    """A row id: 1 to MAX_ID. A longer number would reach the database and fail there (OverflowError on
    SQLite, DataError on PostgreSQL, both a 500); refused here, the URL simply does not match: a 404."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"{value} is not a row id")
        return number

    def to_url(self, value) -> str:
        return str(value)

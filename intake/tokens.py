"""The private status link: a signed token naming one complaint (django.core.signing, with this app's salt).

It holds the complaint's id and number, so a token is useless for any other complaint: change one character and
the signature fails; a token signed for one complaint cannot be pointed at another without the secret key.
"""

from django.core import signing

SALT = "intake.status-link"


def status_token(complaint) -> str:
    return signing.dumps({"c": complaint.pk, "n": complaint.number}, salt=SALT, compress=False)


def complaint_ref(token: str) -> tuple[int, str] | None:
    """(id, number) from a token, or None when it was not signed by us (altered, truncated, made up)."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("n"), str):
        return None
    return data["c"], data["n"]

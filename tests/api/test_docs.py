"""The schema and its documentation page: for signed-in staff, served from our own files (the CSP holds)."""

import pytest
from django.urls import reverse

from .conftest import api_client

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_and_lists_the_api(frontline):
    response = api_client(frontline).get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/complaints/{id}/advance/" in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/complaints/{id}/advance/"]["post"]["responses"]


def test_the_docs_page_loads_vendored_swagger_ui_without_inline_script(client, frontline):
    assert client.get(reverse("api:docs"))["Location"].startswith(reverse("login"))  # nobody signed in
    client.force_login(frontline)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "<script>" not in page and "<style>" not in page and "https://" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = client.get(reverse("api:docs") + "?script")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_the_served_schema_is_the_one_schemathesis_tests(frontline):
    from drf_spectacular.generators import SchemaGenerator

    served = api_client(frontline).get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    operations = {path: sorted(ops) for path, ops in served["paths"].items()}
    assert operations == {path: sorted(ops) for path, ops in generated["paths"].items()}
    assert len(operations) >= 30

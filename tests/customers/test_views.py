import pytest
from django.urls import reverse

from crm_site.org.roles import Role
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_every_role_opens_the_customer_list_scoped_to_its_branch(client, users_by_role, role, customer, other_customer):
    client.force_login(users_by_role[role])
    response = client.get(reverse("customers:list"))
    assert response.status_code == 200
    shown = set(response.context["page"].object_list)
    if role in (Role.FRONTLINE, Role.MANAGER):
        assert shown == {customer}
    else:
        assert shown == {customer, other_customer}


def test_customer_of_another_branch_is_not_found(client, frontline, other_customer, customer):
    client.force_login(frontline)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    response = client.get(reverse("customers:detail", args=[other_customer.pk]))
    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    assert client.get(reverse("customers:detail", args=[999999])).status_code == 404


def test_search_sort_and_pagination(client, frontline, branch):
    for i in range(30):
        CustomerFactory(branch=branch, name=f"Zed {i:02d}")
    CustomerFactory(branch=branch, name="王芳", phone="13800001111")
    client.force_login(frontline)
    page = client.get(reverse("customers:list"), {"q": "0000111"}).context["page"]
    assert [c.name for c in page.object_list] == ["王芳"]
    page = client.get(reverse("customers:list"), {"sort": "-name"}).context["page"]
    assert page.object_list[0].name == "王芳"
    assert page.paginator.count == 31 and len(page.object_list) == 25
    page2 = client.get(reverse("customers:list"), {"page": 2}).context["page"]
    assert len(page2.object_list) == 6
    empty = client.get(reverse("customers:list"), {"q": "nobody-here"})
    assert b"No customer matches your search." in empty.content


def test_customer_list_runs_a_constant_number_of_queries(client, frontline, branch, django_assert_max_num_queries):
    client.force_login(frontline)
    CustomerFactory.create_batch(3, branch=branch)
    with django_assert_max_num_queries(10) as small:
        client.get(reverse("customers:list"))
    CustomerFactory.create_batch(20, branch=branch)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("customers:list"))


def test_output_is_escaped(client, frontline, branch):
    CustomerFactory(branch=branch, name="<script>alert(1)</script>")
    client.force_login(frontline)
    content = client.get(reverse("customers:list")).content
    assert b"<script>alert(1)</script>" not in content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in content

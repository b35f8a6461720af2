import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from crm_site.org.models import Branch, Department, StaffProfile
from crm_site.org.roles import sync_role_permissions
from customers.models import Customer
from customers.phones import phone_e164

TEST_PASSWORD = "test-pass-2026"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.Sequence(lambda n: f"Branch {n} 网点")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Department {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            # Transactional tests flush the groups the data migration made: make them again.
            group, made = Group.objects.get_or_create(name=extracted)
            if made:
                sync_role_permissions()
            self.groups.add(group)
        if create:
            self.save()


def staff(role: str, branch: Branch | None, username: str | None = None, **kwargs):
    """A user with a role group and a staff profile in a branch (None for company-wide roles)."""
    params = {"role": role, **kwargs}
    if username:
        params["username"] = username
    user = UserFactory(**params)
    StaffProfile.objects.create(user=user, branch=branch)
    return user


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"T{n:06d}")
    name = factory.Sequence(lambda n: f"客户 {n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    phone_e164 = factory.LazyAttribute(lambda o: phone_e164(o.phone))  # as the services store it
    branch = factory.SubFactory(BranchFactory)

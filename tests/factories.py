import factory

from accounts.models import User
from tenants.models import Membership, Organization
from tenants.scoping import org_scope

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Org {n}")


def add_member(org: Organization, user: User | None = None, role: str = Membership.Role.MEMBER) -> Membership:
    with org_scope(org):
        return Membership.objects.create(org=org, user=user or UserFactory(), role=role)

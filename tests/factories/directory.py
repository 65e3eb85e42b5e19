import factory
from django.contrib.auth.models import Group, User

from directory import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("password")


class SiteAdminFactory(UserFactory):
    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def site_admin(obj, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=models.SITE_ADMINISTRATORS_GROUP)
            obj.groups.add(group)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from directory.services import tree_node_save

        return tree_node_save(node=model_class(*args, **kwargs))


class PositionFactory(OrganisationFactory):
    class Meta:
        model = models.Position

    name = factory.Sequence(lambda n: f"Position {n}")


class JobAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.JobAssignment

    user = factory.SubFactory(UserFactory)


class AudienceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Audience

    name = factory.Sequence(lambda n: f"Audience {n}")


class ProfileDateFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProfileDateField

    shortname = factory.Sequence(lambda n: f"datefield{n}")
    name = factory.Sequence(lambda n: f"Date field {n}")

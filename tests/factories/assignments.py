import factory

from assignments import models
from assignments.models import AssignmentType

from .certifications import CertificationFactory
from .directory import AudienceFactory, UserFactory


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Assignment

    certification = factory.SubFactory(CertificationFactory)
    type = AssignmentType.AUDIENCE
    audience = factory.Maybe(
        factory.LazyAttribute(lambda a: a.type == AssignmentType.AUDIENCE), factory.SubFactory(AudienceFactory), None
    )


class IndividualAssignmentFactory(AssignmentFactory):
    type = AssignmentType.INDIVIDUAL
    user = factory.SubFactory(UserFactory)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Group

    certification = factory.SubFactory(CertificationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")

import factory
from django.utils import timezone

from certifications import models

from .courses import CourseFactory
from .directory import UserFactory


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Certification

    fullname = factory.Sequence(lambda n: f"Certification {n}")
    shortname = factory.Sequence(lambda n: f"CERT{n}")


class CourseSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CourseSet
        skip_postgeneration_save = True

    certification = factory.SubFactory(CertificationFactory)
    path = models.CertificationPath.CERTIFICATION
    sortorder = factory.Sequence(int)

    @factory.post_generation
    def courses(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.courses.set(extracted if extracted is not None else [CourseFactory()])


class CertificationRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CertificationRecord

    user = factory.SubFactory(UserFactory)
    certification = factory.SubFactory(CertificationFactory)
    assigned_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class CertificationRecordHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CertificationRecordHistory

    user = factory.SubFactory(UserFactory)
    certification = factory.SubFactory(CertificationFactory)
    archived_at = factory.LazyFunction(timezone.now)

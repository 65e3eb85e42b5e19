import factory
from django.utils import timezone

from courses import models

from .directory import UserFactory


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Course

    fullname = factory.Sequence(lambda n: f"Course {n}")
    shortname = factory.Sequence(lambda n: f"C{n}")


class CourseCompletionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CourseCompletion

    user = factory.SubFactory(UserFactory)
    course = factory.SubFactory(CourseFactory)
    completed_at = factory.LazyFunction(timezone.now)

"""Search and filters of the certification administration lists."""

import django_filters
from django.db.models import Q

from .models import Certification, CertificationRecord, RecordStatus


class CertificationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")

    class Meta:
        model = Certification
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(fullname__icontains=value) | Q(shortname__icontains=value) | Q(idnumber__icontains=value)
        )


class RecordFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search", method="search")
    status = django_filters.ChoiceFilter(label="Status", choices=RecordStatus.choices, empty_label="Any status")

    class Meta:
        model = CertificationRecord
        fields = ["status"]

    def search(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__username__icontains=word)
                | Q(user__email__icontains=word)
            )
        return queryset

"""The one date formatter (decision 0091) and the form renderer of the design system (decision 0090)."""

import datetime as dt
import zoneinfo

import pytest
from django import forms
from django.template import Context, Template
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from certlms.when import date_formatter, datetime_formatter, format_date, format_datetime

LONDON = zoneinfo.ZoneInfo("Europe/London")
WINTER = dt.datetime(2027, 3, 2, 17, 0, tzinfo=dt.UTC)
SUMMER = dt.datetime(2027, 10, 3, 6, 10, tzinfo=dt.UTC)


def test_a_time_reads_with_the_viewers_timezone():
    assert format_datetime(WINTER, LONDON) == "2 Mar 2027, 17:00 GMT"
    assert format_datetime(SUMMER, LONDON) == "3 Oct 2027, 07:10 BST"
    assert format_datetime(SUMMER, zoneinfo.ZoneInfo("Asia/Tokyo")) == "3 Oct 2027, 15:10 JST"


def test_a_date_is_the_day_in_the_viewers_timezone():
    late = dt.datetime(2027, 3, 2, 23, 30, tzinfo=dt.UTC)
    assert format_date(late, dt.UTC) == "2 Mar 2027"
    assert format_date(late, zoneinfo.ZoneInfo("Europe/Berlin")) == "3 Mar 2027"
    assert format_date(dt.date(2027, 3, 2)) == "2 Mar 2027"


def test_nothing_reads_as_empty():
    assert format_date(None) == "" and format_datetime(None) == ""


def test_the_filters_use_the_active_timezone():
    template = Template("{{ moment|when }} / {{ moment|day }} / {{ missing|when:'—' }}")
    with timezone.override(LONDON):
        assert template.render(Context({"moment": SUMMER})) == "3 Oct 2027, 07:10 BST / 3 Oct 2027 / —"


@given(st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2999, 12, 30), timezones=st.just(dt.UTC)))
def test_the_fast_export_formatter_reads_like_the_page(moment):
    """Exports format with a compiled strftime pattern; it must say exactly what Django's formatter says."""
    from django.utils.dateformat import format as django_format

    with translation.override("en-gb"):
        local = moment.astimezone(LONDON)
        assert date_formatter(LONDON)(moment) == django_format(local, "j M Y")
        assert datetime_formatter(LONDON)(moment) == django_format(local, "j M Y, H:i T")


class Sample(forms.Form):
    name = forms.CharField(label="Name")
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A")])
    ok = forms.BooleanField(label="Ok", required=False)
    when = forms.DateTimeField(label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    pick = forms.ChoiceField(label="Pick", choices=[("x", "X")], widget=forms.RadioSelect)


def test_every_widget_gets_its_bootstrap_class_and_errors_sit_beneath():
    html = str(Sample(data={"kind": "a"}))
    assert 'class="form-control"' in html and 'class="form-select"' in html
    assert html.count('class="form-check-input"') == 2
    assert '<label class="form-label" for="id_name">Name</label>' in html
    name_field, error = html.index('id="id_name"'), html.index("This field is required.")
    assert name_field < error
    with timezone.override(LONDON):
        assert "Time zone: Europe/London" in str(Sample())


@pytest.mark.parametrize("existing", ["wide", ""])
def test_a_widgets_own_class_is_kept(existing):
    field = forms.CharField(widget=forms.TextInput(attrs={"class": existing} if existing else {}))
    html = str(forms.Form.__class__("F", (forms.Form,), {"x": field})()["x"])
    assert ("wide form-control" if existing else 'class="form-control"') in html

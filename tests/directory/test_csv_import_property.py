"""Whatever text is uploaded, the import answers with a result (errors or counts), never a crash."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from directory.csv_import import FORMATS, directory_import

pytestmark = pytest.mark.django_db

cells = st.text(alphabet=st.characters(blacklist_categories=["Cs"]) | st.sampled_from(["\x00", '"', "\r"]), max_size=12)
lines = st.lists(st.lists(cells, min_size=1, max_size=5).map(",".join), max_size=5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(FORMATS)), body=lines, header=st.booleans())
def test_any_text_gives_a_result_and_bad_input_is_reported_by_line(kind, body, header):
    rows = ([",".join(FORMATS[kind].names)] if header else []) + body
    text = "\n".join(rows)
    result = directory_import(kind=kind, text=text)
    assert result.ok or all(error.line >= 1 and error.message for error in result.errors)
    if not result.ok:
        assert result.created == result.updated == 0

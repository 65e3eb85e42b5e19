"""The Group dialog's form: Name is mandatory; whatever is typed, a blank name never passes."""

from hypothesis import given
from hypothesis import strategies as st

from assignments.forms_groups import GroupForm

names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=255)


@given(name=names, description=names, enrol=st.booleans(), withdraw=st.booleans())
def test_name_is_required_and_stripped(name, description, enrol, withdraw):
    data = {"name": name, "description": description}
    if enrol:
        data["allow_enrol"] = "on"
    if withdraw:
        data["allow_withdraw"] = "on"
    form = GroupForm(data)
    if name.strip():
        assert form.is_valid(), form.errors
        assert form.cleaned_data["name"] == name.strip()
        assert (form.cleaned_data["allow_enrol"], form.cleaned_data["allow_withdraw"]) == (enrol, withdraw)
    else:
        assert not form.is_valid()
        assert form.errors["name"] == ["Name is required."]


def test_name_longer_than_255_is_refused():
    assert "name" in GroupForm({"name": "x" * 256}).errors

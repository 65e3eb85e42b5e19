"""Formsets whose management form cannot be tampered into a crash or into thousands of forms."""

from django import forms

# No page of certlms shows more rows than this in one formset (a source has a few dozen columns).
FORMSET_MAX = 200

TAMPERED = "The form was changed before it was sent. Reload the page and try again."


class BoundedFormSet(forms.BaseFormSet):
    """Every submitted row must be filled in; the count is capped and checked, and a bad count is a message."""

    def get_form_kwargs(self, index):
        # Rows are only ever the page's own: one the browser left empty is an error, not a row to skip.
        return {**super().get_form_kwargs(index), "empty_permitted": False}

    def full_clean(self):
        super().full_clean()
        if self.is_bound and (self._tampered_counts() or self._hidden_field_errors()):
            self._non_form_errors = self.error_class([TAMPERED], error_class="nonform", renderer=self.renderer)

    def _tampered_counts(self) -> bool:
        form = self.management_form
        if not form.is_valid():
            return True
        total, initial = form.cleaned_data["TOTAL_FORMS"], form.cleaned_data["INITIAL_FORMS"]
        return not 0 <= initial <= total

    def _hidden_field_errors(self) -> bool:
        """A hidden field is never typed in: an error there means the page's own values were changed."""
        return any(
            name in form.errors and form.fields[name].widget.is_hidden for form in self.forms for name in form.fields
        )


def bounded_formset_factory(form: type[forms.Form], **kwargs) -> type[forms.BaseFormSet]:
    return forms.formset_factory(
        form,
        formset=BoundedFormSet,
        extra=0,
        max_num=FORMSET_MAX,
        absolute_max=FORMSET_MAX,
        validate_max=True,
        **kwargs,
    )

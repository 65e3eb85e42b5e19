"""The Django admin as part of Site administration: only site administrators, 404 for everyone else."""

from functools import update_wrapper

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.urls import reverse

from certlms.fields import IdModelChoiceField, IdModelMultipleChoiceField, is_valid_id
from directory.permissions import is_site_admin


class CertlmsAdminSite(admin.AdminSite):
    site_header = "certlms Site administration"
    site_title = "certlms Site administration"
    index_title = "Directory and courses"
    site_url = "/site-admin/"

    def has_permission(self, request: HttpRequest) -> bool:
        return is_site_admin(request.user)

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def guarded(request, *args, **kwargs):
            # Anonymous visitors sign in on the site's page; a signed-in user who is not a site
            # administrator is told the page does not exist.
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, inner)

    def login(self, request, extra_context=None):
        """One sign-in page for the whole site."""
        if request.user.is_authenticated and not self.has_permission(request):
            raise Http404
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), settings.LOGIN_URL)

    def logout(self, request, extra_context=None):
        return redirect("site_administration")


# --- Foreign-key fields that answer junk ids with a message ----------------------------------------


class _ValidIdsOnlyMixin:
    """Renders a posted junk id as nothing chosen (the field's error says why) instead of querying with it."""

    def optgroups(self, name, value, attr=None):
        meta = self.field.remote_field.model._meta
        to_field_name = getattr(self.field.remote_field, "field_name", None)
        key = meta.get_field(to_field_name) if to_field_name else meta.pk
        return super().optgroups(name, [v for v in value if is_valid_id(key, v)], attr)


class AutocompleteSelect(_ValidIdsOnlyMixin, admin_widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(_ValidIdsOnlyMixin, admin_widgets.AutocompleteSelectMultiple):
    pass


class ForeignKeyRawIdWidget(admin_widgets.ForeignKeyRawIdWidget):
    def label_and_url_for_value(self, value):
        key = self.rel.model._meta.get_field(self.rel.get_related_field().name)
        return super().label_and_url_for_value(value) if is_valid_id(key, value) else ("", "")


class IdFieldsMixin:
    """For every admin and inline: junk, fractional, NUL or beyond-64-bit ids are invalid choices, never a 500."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        db = kwargs.get("using")
        if "widget" not in kwargs:
            if db_field.name in self.get_autocomplete_fields(request):
                kwargs["widget"] = AutocompleteSelect(db_field, self.admin_site, using=db)
            elif db_field.name in self.raw_id_fields:
                kwargs["widget"] = ForeignKeyRawIdWidget(db_field.remote_field, self.admin_site, using=db)
        kwargs.setdefault("form_class", IdModelChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", IdModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ModelAdmin(IdFieldsMixin, admin.ModelAdmin):
    pass


class StackedInline(IdFieldsMixin, admin.StackedInline):
    pass


class TabularInline(IdFieldsMixin, admin.TabularInline):
    pass

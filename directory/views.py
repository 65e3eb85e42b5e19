"""Site administration pages of the directory that Django's admin does not provide."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from certlms.guards import site_admin_required

from .csv_import import FORMATS, decode_upload, directory_import
from .forms import DirectoryImportForm


@site_admin_required
def directory_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CSV file of users, job assignments or audience members (site administrators only)."""
    form = DirectoryImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            text = decode_upload(form.cleaned_data["file"].read())
        except ValueError as error:
            form.add_error("file", str(error))
        else:
            result = directory_import(kind=form.cleaned_data["kind"], text=text, actor_id=request.user.pk)
            if result.ok:
                messages.success(request, result.summary())
                return redirect("directory:import")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "result": result, "formats": FORMATS.values()}
    return render(request, "directory/import.html", context, status=status)

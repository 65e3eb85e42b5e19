"""Preferences → API tokens: create (the secret is shown once), list with last use, revoke.

Site administrators also see every other user's active tokens and may revoke them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from directory.permissions import is_site_admin

from ..forms import TokenCreateForm
from ..models import ApiToken
from ..services import token_create, token_revoke


def _page(request: HttpRequest, form: TokenCreateForm, *, secret: str = "", created=None, status: int = 200):
    tokens = ApiToken.objects.filter(user=request.user).select_related("revoked_by")
    others = None
    if is_site_admin(request.user):
        others = ApiToken.objects.filter(revoked_at__isnull=True).exclude(user=request.user).select_related("user")
    context = {
        "form": form,
        "tokens": tokens,
        "others": others,
        "secret": secret,
        "created": created,
        "now": timezone.now(),
    }
    return render(request, "api/tokens.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return _page(request, form, status=400)
        token, secret = token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            access=form.cleaned_data["access"],
            expires_at=form.expires_at(),
        )
        # Shown in this response only: the page is never stored (no-store) and the secret is not kept.
        return _page(request, TokenCreateForm(), secret=secret, created=token)
    return _page(request, form)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = token_revoke(token_id=pk, actor=request.user)
    if token is None:
        raise Http404
    owner = "your" if token.user_id == request.user.pk else f"{token.user.get_full_name() or token.user.username}'s"
    messages.success(request, f"The token “{token.name}” ({owner}) is revoked; it no longer works.")
    return redirect("api_tokens")

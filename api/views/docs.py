"""The OpenAPI schema (open to anyone, like any published API description) and the browsable docs
(for a signed-in user; Swagger UI served from static files, its start script from a URL of its own,
so the Content-Security-Policy holds)."""

from django.contrib.auth.decorators import login_required
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound


class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/docs.html"
    url_name = "api:schema"
    title = "certlms API"


schema = SpectacularJSONAPIView.as_view()
docs = login_required(DocsView.as_view())


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request, rest: str = ""):
    """Any other path under /api/ answers a JSON 404."""
    raise NotFound()

"""Response headers the whole site shares."""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """No browser or proxy keeps a copy of a signed-in page or an export (``Cache-Control: no-store``).

    Anonymous pages (sign-in, password reset) carry a form token, so they are not stored either,
    unless a view chose its own caching for them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            del response["Cache-Control"]
            add_never_cache_headers(response)
        elif not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response

"""Template context shared by every page rendered with a request."""

from . import access


def navigation(request):
    """``main_nav``: the signed-in user's navigation entries (``access.navigation_for``), computed
    only when a template reads it (pages without the menu cost no query), at most once a request."""
    cache = []

    def main_nav():
        if not cache:
            cache.append(access.navigation_for(getattr(request, "user", None)))
        return cache[0]

    return {"main_nav": main_nav}

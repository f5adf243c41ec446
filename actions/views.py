"""Action pages. (Being written.)"""

from django.http import HttpRequest, HttpResponse


def _pending(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


action_list = action_log_export = action_new = action_detail = action_review = _pending

"""Meeting pages. (Being written.)"""

from django.http import HttpRequest, HttpResponse


def _pending(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


meeting_list = meeting_add = calendar_feed = calendar_subscribe = meeting_detail = meeting_change = _pending
meeting_cancel = agenda_builder = agenda_item_edit = agency_information = attendance = _pending
meeting_screen = item_minutes = minutes = _pending

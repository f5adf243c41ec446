"""The referrer's side: start, fill in section by section, check answers, submit. (In progress.)"""

from django.http import HttpRequest, HttpResponse


def _pending(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    raise NotImplementedError


my_referrals = referral_new = referral_detail = subject_list = subject_edit = subject_remove = _pending
check_answers = submitted = section_edit = _pending

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cmarac.accounts.models import User


@shared_task(name="accounts.send_password_reset")
def send_password_reset(user_id: int) -> int:
    """Email a password reset link to the account's address: the link and how long it lasts, no name."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return 0
    path = reverse(
        "password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    text = render_to_string(
        "emails/password_reset.txt",
        {
            "service_name": settings.SERVICE_NAME,
            "link": settings.SITE_URL + path,
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
    subject, _, body = text.partition("\n")
    return send_mail(subject.strip(), body.strip() + "\n", None, [user.email])

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
from cmarac.outbox.services import outbox_task, send_mail_once


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


def set_password_link(person: User) -> str:
    """A one-time link to set a password: the reset page's link, made with Django's token generator
    (it stops working once the password changes, the person signs in or is deactivated)."""
    path = reverse(
        "password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
            "token": default_token_generator.make_token(person),
        },
    )
    return settings.SITE_URL + path


@shared_task(name="accounts.send_set_password_link")
@outbox_task
def send_set_password_link(person_id: int, purpose: str, *, outbox_message: int | None = None) -> int:
    """A coordinator's invitation or reset link (ADR 14): the link and nothing about the person or any
    case. Unlike send_password_reset it also serves accounts with no password yet (invitations)."""
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        return 0
    template = "emails/account_invitation.txt" if purpose == "invitation" else "emails/password_reset_link.txt"
    text = render_to_string(
        template,
        {
            "service_name": settings.SERVICE_NAME,
            "link": set_password_link(person),
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )
    subject, _, body = text.partition("\n")
    return int(
        send_mail_once(
            message_id=outbox_message,
            key=f"person:{person.pk}",
            subject=subject.strip(),
            body=body.strip() + "\n",
            recipients=[person.email],
        )
    )


@shared_task(name="accounts.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete sessions past their expiry (what `manage.py clearsessions` does), daily from beat."""
    from django.utils import timezone

    from cmarac.accounts.models import UserSession

    deleted, _ = UserSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted

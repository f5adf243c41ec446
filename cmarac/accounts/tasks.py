from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cmarac.accounts.models import User

# Where the set-password page lives when the URLconf does not name it "password_reset_confirm".
SET_PASSWORD_PATH = "/sign-in/reset/{uidb64}/{token}/"  # noqa: S105 (a URL pattern)


def set_password_link(person: User) -> str:
    """A one-time link to set a password, made with Django's password reset token generator
    (the token stops working once the password changes or the person signs in)."""
    uidb64 = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    try:
        path = reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    except NoReverseMatch:
        path = SET_PASSWORD_PATH.format(uidb64=uidb64, token=token)
    return settings.SITE_URL + path


@shared_task(name="accounts.send_set_password_link")
def send_set_password_link(person_id: int, purpose: str) -> int:
    """Email an invitation or a reset link: the link and nothing about the person or any case."""
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        return 0
    template = "emails/account_invitation.txt" if purpose == "invitation" else "emails/password_reset_link.txt"
    text = render_to_string(template, {"service_name": settings.SERVICE_NAME, "link": set_password_link(person)})
    subject, _, body = text.partition("\n")
    return send_mail(subject.strip(), body.strip() + "\n", None, [person.email])

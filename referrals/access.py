from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cmarac.accounts.models import User
from referrals.models import Referral


def get_referral_for(user: User, reference: str, queryset: QuerySet[Referral] | None = None) -> Referral:
    """The referral if this person may see it; 404 for missing and not yours alike."""
    base = queryset if queryset is not None else Referral.objects.all()
    referral = base.visible_to(user).filter(reference=reference).first()  # type: ignore[attr-defined]
    if referral is None:
        raise Http404("No referral found")
    return referral

from __future__ import annotations

from typing import Any

import factory

from cmarac.accounts.models import Agency
from cmarac.cases import services
from cmarac.cases.models import Case, CaseInvolvement, CaseSubject, Person, RiskLevel


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    postcode = "ZZ1 1ZZ"


class CaseFactory(factory.django.DjangoModelFactory):
    """An open case, made through the service, with one victim and the given agencies involved."""

    class Meta:
        model = Case

    summary = "Repeated intimidation of a neighbour by a group visiting a flat."
    risk_level = RiskLevel.MEDIUM

    @classmethod
    def _create(cls, model_class: type[Case], *args: Any, **kwargs: Any) -> Case:
        involved: list[Agency] = kwargs.pop("involve", [])
        subjects: list[tuple[Person, str]] | None = kwargs.pop("subjects", None)
        if subjects is None:
            subjects = [(PersonFactory(), CaseSubject.Role.VICTIM)]
        case = services.case_create(by=kwargs.pop("by", None), subjects=subjects, **kwargs)
        for agency in involved:
            services.involve_agency(case=case, agency=agency, reason=CaseInvolvement.Reason.REFERRED, source="test")
        return case


class HighRiskCaseFactory(CaseFactory):
    risk_level = RiskLevel.HIGH


class ClosedCaseFactory(CaseFactory):
    @classmethod
    def _create(cls, model_class: type[Case], *args: Any, **kwargs: Any) -> Case:
        case = super()._create(model_class, *args, **kwargs)
        return services.case_close(case=case, by=None, reason="Risk reduced; no further panel action needed")

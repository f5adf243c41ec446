"""The referrer's forms: one per section of the referral, one per person, and the risk checklist.

A section can be saved unfinished: a draft is saved in the database on every save, so a
practitioner who is called away (or signed out by the session timeout) loses nothing. The forms
refuse only input that is wrong in itself, or that contradicts itself (hate crime ticked but no
strand). What is still missing is reported by `referral_problems` on the task list, and stops
submission on the check answers page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.db.models import Q

from cmarac.accounts.models import Agency
from cmarac.cases.forms import PERSON_TEXT_LIMITS, normalise_postcode
from cmarac.cases.models import CaseSubject, RiskLevel
from cmarac.core.forms import GovukDateField, limit_text
from referrals.models import ChecklistQuestion, Referral, ReferralSubject
from referrals.services import PERSON_FIELDS

TEXT_LIMIT = 10_000
KEEP_LEVEL = "keep"  # radios cannot carry an empty value in field.html, so "keep the scored level" has a name

# A full UK postcode without its space: the inward code is always the last three characters.


def _textarea(label: str, *, hint: str = "", required_message: str = "", rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={
            "required": required_message or f"Enter {label[0].lower()}{label[1:]}",
            "max_length": f"{label} must be {TEXT_LIMIT:,} characters or fewer",
        },
    )


class SectionForm(forms.Form):
    """One section of a referral, carrying the revision it was shown with.

    The service refuses the save if the referral changed since (another tab, say), so the
    person's entry never silently overwrites a newer one.
    """

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        self.referral = referral
        initial = {"revision": referral.revision, **self.initial_from(referral), **kwargs.pop("initial", {})}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["revision"].label = "Version of the referral"
        self.fields["revision"].error_messages["required"] = "Reload the page and try again"
        self.fields["revision"].error_messages["invalid"] = "Reload the page and try again"

    def initial_from(self, referral: Referral) -> dict[str, Any]:
        return {name: getattr(referral, name) for name in self.base_fields if name != "revision"}

    def section_fields(self) -> dict[str, Any]:
        """The cleaned values to save, by Referral field name."""
        return {name: value for name, value in self.cleaned_data.items() if name != "revision"}

    def show_revision(self, revision: int) -> None:
        """After a refused save: keep the person's entries, with the revision they have now seen."""
        data = self.data.copy()
        data[self.add_prefix("revision")] = str(revision)
        self.data = data


class RevisionForm(SectionForm):
    """Only the revision: removing a person, sending the referral."""

    def initial_from(self, referral: Referral) -> dict[str, Any]:
        return {}


class ReferrerForm(SectionForm):
    contact_phone = forms.CharField(
        label="Your phone number",
        required=False,
        max_length=40,
        help_text="The panel uses this to contact you about the referral",
        error_messages={"max_length": "Your phone number must be 40 characters or fewer"},
    )
    contact_email = forms.EmailField(
        label="Your email address",
        required=False,
        max_length=254,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Your email address must be 254 characters or fewer",
        },
    )
    referring_agency = forms.ModelChoiceField(
        label="Your agency",
        queryset=Agency.objects.none(),
        error_messages={"required": "Select your agency", "invalid_choice": "Select your agency"},
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, referral=referral, **kwargs)
        # An agency made inactive since the draft was started stays selectable for this draft.
        current = Q(pk=referral.referring_agency_id) if referral.referring_agency_id else Q(pk__in=[])
        field = self.fields["referring_agency"]
        field.queryset = Agency.objects.filter(Q(is_active=True) | current).only("pk", "name")
        field.empty_label = "Select your agency"

    def initial_from(self, referral: Referral) -> dict[str, Any]:
        agency = referral.referring_agency_id or referral.referrer.agency_id
        return {
            "contact_phone": referral.contact_phone,
            "contact_email": referral.contact_email,
            "referring_agency": agency,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("contact_phone") and not data.get("contact_email") and "contact_email" not in self.errors:
            self.add_error("contact_phone", "Enter a phone number or an email address, so the panel can contact you")
        return data


class ConcernsForm(SectionForm):
    issue_types = forms.MultipleChoiceField(
        label="Which issues are involved?",
        help_text="Select all that apply",
        required=False,
        choices=Referral.IssueType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select the issues from the list"},
    )
    hate_crime_strand = forms.ChoiceField(
        label="If it is hate crime: what is it motivated by?",
        help_text="Answer this if you selected hate crime",
        required=False,
        choices=Referral.HateCrimeStrand.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select what the hate crime is motivated by"},
    )
    other_issue = forms.CharField(
        label="If other: what else is happening?",
        help_text="Answer this if you selected other",
        required=False,
        max_length=200,
        error_messages={"max_length": "What else is happening must be 200 characters or fewer"},
    )
    concerns = _textarea(
        "Summary of your concerns",
        hint="What is happening, to whom, and why you are worried now",
        rows=8,
    )
    chronology = _textarea("Chronology of incidents", hint="The incidents you know of, with their dates", rows=8)
    actions_taken = _textarea("What your agency has already done")
    request_of_panel = _textarea("What do you ask of the panel?", required_message="Enter what you ask of the panel")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        issues = data.get("issue_types") or []
        if Referral.IssueType.HATE_CRIME in issues:
            if not data.get("hate_crime_strand") and "hate_crime_strand" not in self.errors:
                self.add_error("hate_crime_strand", "Select what the hate crime is motivated by")
        else:
            data["hate_crime_strand"] = ""
        if Referral.IssueType.OTHER in issues:
            if not (data.get("other_issue") or "").strip() and "other_issue" not in self.errors:
                self.add_error("other_issue", "Enter what else is happening")
        else:
            data["other_issue"] = ""
        return data


class CriteriaForm(SectionForm):
    """The referral criteria the referrer chooses. High risk by score is set by the checklist, not here."""

    CRITERIA = {
        "criterion_escalation": ("Potential escalation", "Incidents are rising in frequency or severity"),
        "criterion_professional_judgement": (
            "Professional judgement",
            "You believe the case needs the panel, even if the score is not high",
        ),
        "criterion_multi_agency": (
            "A multi-agency approach is needed",
            "One agency alone cannot reduce the risk",
        ),
    }

    criteria = forms.MultipleChoiceField(
        label="Which other referral criteria apply?",
        help_text="Select all that apply",
        required=False,
        choices=[(name, label) for name, (label, _) in CRITERIA.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select the referral criteria from the list"},
    )
    professional_judgement_reasons = _textarea(
        "Reasons for your professional judgement",
        hint="Answer this if you selected professional judgement",
        required_message="Enter the reasons for your professional judgement",
    )

    def initial_from(self, referral: Referral) -> dict[str, Any]:
        return {
            "criteria": [name for name in self.CRITERIA if getattr(referral, name)],
            "professional_judgement_reasons": referral.professional_judgement_reasons,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        ticked = data.get("criteria") or []
        reasons = (data.get("professional_judgement_reasons") or "").strip()
        if "criterion_professional_judgement" in ticked and not reasons and "criteria" not in self.errors:
            self.add_error("professional_judgement_reasons", "Enter the reasons for your professional judgement")
        return data

    def section_fields(self) -> dict[str, Any]:
        ticked = self.cleaned_data.get("criteria") or []
        fields: dict[str, Any] = {name: name in ticked for name in self.CRITERIA}
        if "criterion_professional_judgement" in ticked:
            fields["professional_judgement_reasons"] = self.cleaned_data["professional_judgement_reasons"].strip()
        return fields


class ConsentForm(SectionForm):
    consent = forms.ChoiceField(
        label="Did the subject consent to this referral?",
        help_text="If the referral is about more than one person, answer for the victim",
        required=False,
        choices=Referral.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select whether the subject consented"},
    )
    unsafe_to_ask = forms.BooleanField(
        label="It was unsafe to ask the subject for consent",
        help_text="For example, asking would put them or someone else at greater risk",
        required=False,
    )
    sharing_basis = forms.ChoiceField(
        label="Lawful basis for sharing without consent",
        help_text="Answer this if the subject did not consent or was not asked",
        required=False,
        choices=Referral.SharingBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the lawful basis for sharing without consent"},
    )
    sharing_justification = _textarea(
        "Why is sharing without consent justified?",
        hint="Answer this if the subject did not consent or was not asked",
        required_message="Enter why sharing without consent is justified",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        consent = data.get("consent")
        if consent == Referral.Consent.YES:
            data["sharing_basis"], data["sharing_justification"] = "", ""
        elif consent:
            if not data.get("sharing_basis") and "sharing_basis" not in self.errors:
                self.add_error("sharing_basis", "Select the lawful basis for sharing without consent")
            if not (data.get("sharing_justification") or "").strip() and "sharing_justification" not in self.errors:
                self.add_error("sharing_justification", "Enter why sharing without consent is justified")
        if data.get("unsafe_to_ask") and consent != Referral.Consent.NOT_ASKED:
            self.add_error(
                "unsafe_to_ask",
                "Select \u2018The subject was not asked\u2019 if it was unsafe to ask for consent, "
                "or untick \u2018It was unsafe to ask\u2019",
            )
        return data

    def section_fields(self) -> dict[str, Any]:
        fields = super().section_fields()
        fields["sharing_justification"] = fields["sharing_justification"].strip()
        return fields


class SubjectForm(forms.ModelForm):
    """One person the referral is about: the victim, the alleged perpetrator, a child in the household..."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    role = forms.ChoiceField(
        label="Their role",
        help_text="Add each child in the household as a person with the role \u2018Child in household\u2019",
        choices=CaseSubject.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the person's role", "invalid_choice": "Select the person's role"},
    )

    class Meta:
        model = ReferralSubject
        fields = ["role", *PERSON_FIELDS]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "vulnerabilities": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "approximate_age": "If the date of birth is not known",
            "postcode": "For example, N7 8QT",
            "vulnerabilities": "For example a disability, a mental health condition, or being exploited",
        }
        error_messages = {
            "given_name": {"required": "Enter the person's first name"},
            "approximate_age": {"invalid": "Enter the approximate age as a number, like 40"},
            "email": {"invalid": "Enter an email address in the correct format, like name@example.com"},
        }

    date_of_birth = GovukDateField(label="Date of birth", required=False, when="past", example_offset=None)

    field_order = ["role"]

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        self.referral = referral
        kwargs["initial"] = {"revision": referral.revision, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields["revision"].label = "Version of the referral"
        self.fields["revision"].error_messages["required"] = "Reload the page and try again"
        self.fields["approximate_age"].widget.attrs.update({"min": 0, "max": 120})
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.error_messages["max_length"] = f"{field.label} must be {field.max_length} characters or fewer"
        limit_text(self, PERSON_TEXT_LIMITS)

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data["postcode"])

    def clean_approximate_age(self) -> int | None:
        age = self.cleaned_data["approximate_age"]
        if age is not None and age > 120:
            raise forms.ValidationError("Enter an approximate age of 120 or less")
        return age

    def section_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def show_revision(self, revision: int) -> None:
        data = self.data.copy()
        data["revision"] = str(revision)
        self.data = data


class AddAnotherForm(forms.Form):
    add_another = forms.ChoiceField(
        label="Do you need to add another person?",
        help_text="For example the alleged perpetrator, a witness, or a child in the household",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select yes if you need to add another person",
            "invalid_choice": "Select yes if you need to add another person",
        },
    )


class ChecklistForm(SectionForm):
    """The referral's risk checklist: one radios question per checklist question, grouped by section.

    Nothing is required on save (a part-answered checklist is a draft); every question must be
    answered before the referral can be sent. The server works out the score and the level.
    """

    raised_level = forms.ChoiceField(
        label="Do you want to raise the risk level by professional judgement?",
        help_text="You can raise the level the score gives, never lower it",
        required=False,
        choices=[
            (KEEP_LEVEL, "No, keep the level the score gives"),
            (RiskLevel.MEDIUM, "Yes, raise it to medium"),
            (RiskLevel.HIGH, "Yes, raise it to high"),
        ],
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select whether you want to raise the risk level"},
    )
    level_raised_reason = _textarea(
        "Why are you raising the risk level?",
        hint="Answer this if you are raising the risk level",
        required_message="Enter why you are raising the risk level",
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        self.questions: list[ChecklistQuestion] = list(referral.checklist.questions.prefetch_related("options"))
        answers = dict(referral.answers.values_list("question_id", "option_id"))
        self.answered = len(answers)  # saved answers: with none, there is no score to show yet
        super().__init__(*args, referral=referral, **kwargs)
        for question in self.questions:
            name = self.question_field_name(question)
            self.fields[name] = forms.TypedChoiceField(
                label=question.text,
                help_text=question.help_text,
                required=False,
                coerce=int,
                choices=[(option.pk, option.label) for option in question.options.all()],
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": "Select one of the answers to this question"},
            )
            if question.pk in answers and name not in self.initial:
                self.initial[name] = answers[question.pk]
        # Fields in page order: the questions, then raising the level.
        self.order_fields([self.question_field_name(q) for q in self.questions])

    @staticmethod
    def question_field_name(question: ChecklistQuestion) -> str:
        return f"q{question.pk}"

    def initial_from(self, referral: Referral) -> dict[str, Any]:
        return {
            "raised_level": referral.raised_level or KEEP_LEVEL,
            "level_raised_reason": referral.level_raised_reason,
        }

    def sections(self) -> Iterator[tuple[str, list[forms.BoundField]]]:
        """The question fields grouped by the checklist's sections, in order."""
        current: str | None = None
        group: list[forms.BoundField] = []
        for question in self.questions:
            if question.section != current and group:
                yield current or "", group
                group = []
            current = question.section
            group.append(self[self.question_field_name(question)])
        if group:
            yield current or "", group

    def answers(self) -> dict[int, int]:
        """Question id -> option id, for the questions answered."""
        found = {}
        for question in self.questions:
            option = self.cleaned_data.get(self.question_field_name(question))
            if option not in (None, ""):
                found[question.pk] = int(option)
        return found

    def raised(self) -> tuple[str, str]:
        level = self.cleaned_data.get("raised_level") or KEEP_LEVEL
        if level == KEEP_LEVEL:
            return "", ""
        return level, self.cleaned_data.get("level_raised_reason") or ""


SECTION_FORMS: dict[str, type[SectionForm]] = {
    "referrer": ReferrerForm,
    "concerns": ConcernsForm,
    "criteria": CriteriaForm,
    "consent": ConsentForm,
    "checklist": ChecklistForm,
}

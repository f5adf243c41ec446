"""Forms of the risk checklist pages: thresholds, a question with its answers, and the buttons
(move, publish, discard) that carry only the draft's revision. The rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms

from cmarac.core.revisions import RevisionForm, revision_field
from referrals.checklists import MAX_SCORE, Answer
from referrals.models import ChecklistQuestion

# Blank answer rows offered beyond a question's answers, and the fewest rows shown.
SPARE_ROWS = 2
MIN_ROWS = 4


def _whole_number(label: str, *, minimum: int, maximum: int, required: bool = True) -> forms.IntegerField:
    message = f"{label} must be a whole number from {minimum} to {maximum}"
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=minimum,
        max_value=maximum,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": f"Enter {label[0].lower()}{label[1:]}",
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class ThresholdsForm(forms.Form):
    revision = revision_field()
    medium_from = _whole_number("Medium risk from score", minimum=1, maximum=100_000)
    high_from = _whole_number("High risk from score", minimum=1, maximum=100_000)
    introduction = forms.CharField(
        label="Introduction",
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown to referrers above the questions.",
        error_messages={"max_length": "The introduction must be 2000 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["medium_from"].help_text = "A score this high or higher gives medium risk."
        self.fields["high_from"].help_text = "Higher than the medium risk score."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        medium, high = data.get("medium_from"), data.get("high_from")
        if medium is not None and high is not None and high <= medium:
            self.add_error("high_from", "The high risk score must be more than the medium risk score")
        return data


class QuestionForm(forms.Form):
    """A question, its section and hint, and rows of answers with scores. A row left empty is no
    answer; so emptying a row removes that answer."""

    revision = revision_field()
    section = forms.CharField(
        label="Section",
        max_length=200,
        help_text="Questions of the same section are shown together, under its name.",
        error_messages={"required": "Enter the section", "max_length": "The section must be 200 characters or fewer"},
    )
    text = forms.CharField(
        label="Question",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter the question", "max_length": "The question must be 500 characters or fewer"},
    )
    help_text = forms.CharField(
        label="Hint",
        required=False,
        max_length=500,
        help_text="Shown under the question, for example to say what counts.",
        error_messages={"max_length": "The hint must be 500 characters or fewer"},
    )

    def __init__(self, *args: Any, rows: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for n in range(1, rows + 1):
            self.fields[f"answer_{n}_label"] = forms.CharField(
                label=f"Answer {n}",
                required=False,
                max_length=200,
                error_messages={"max_length": f"Answer {n} must be 200 characters or fewer"},
            )
            self.fields[f"answer_{n}_score"] = _whole_number(
                f"Score for answer {n}", minimum=0, maximum=MAX_SCORE, required=False
            )

    def answer_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [(n, self[f"answer_{n}_label"], self[f"answer_{n}_score"]) for n in range(1, self.rows + 1)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answers: list[Answer] = []
        seen: set[str] = set()
        for n in range(1, self.rows + 1):
            label_name, score_name = f"answer_{n}_label", f"answer_{n}_score"
            if label_name in self.errors or score_name in self.errors:
                continue
            label, score = data.get(label_name, ""), data.get(score_name)
            if not label and score is None:
                continue
            if not label:
                self.add_error(label_name, f"Enter the wording of answer {n}, or empty its score")
            elif score is None:
                self.add_error(score_name, f"Enter a score for answer {n}, 0 or more")
            elif label.casefold() in seen:
                self.add_error(label_name, f"Answer {n} is worded the same as another answer")
            else:
                seen.add(label.casefold())
                answers.append(Answer(label=label, score=score))
        if not answers and not any(name.startswith("answer_") for name in self.errors):
            self.add_error("answer_1_label", "Enter at least one answer, with its score")
        data["answers"] = answers
        return data

    def service_errors(self, error: Any) -> None:
        """Put a service's refusal on the fields it names (its answer rule on the first row)."""
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                target = "answer_1_label" if field == "answers" else field
                self.add_error(target if target in self.fields else None, messages)
        else:
            self.add_error(None, error)


def question_initial(question: ChecklistQuestion | None, revision: int) -> dict[str, Any]:
    initial: dict[str, Any] = {"revision": revision}
    if question is None:
        return initial
    initial |= {"section": question.section, "text": question.text, "help_text": question.help_text}
    for n, option in enumerate(question.options.all(), start=1):
        initial[f"answer_{n}_label"], initial[f"answer_{n}_score"] = option.label, option.score
    return initial


def question_rows(question: ChecklistQuestion | None) -> int:
    return max(MIN_ROWS, (len(question.options.all()) if question else 0) + SPARE_ROWS)


class MoveForm(RevisionForm):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])

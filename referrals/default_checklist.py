"""The default risk checklist for ASB victims and alleged perpetrators, written for this project.

Each question is answered Yes, No or Not known; only Yes scores. The score bands follow the
shape of the SafeLives-style checklists used by panels: a small number of serious factors, or
a larger number of lesser ones, reaches high risk.
"""

from __future__ import annotations

from typing import Any

NAME = "ASB victim and perpetrator risk checklist"
MEDIUM_FROM = 10
HIGH_FROM = 18
INTRODUCTION = (
    "Answer every question from what you know now. Answer Not known rather than guessing. "
    "Your professional judgement can raise the risk level the score gives, with your reasons."
)

# (section, question, help text, score for Yes)
QUESTIONS: list[tuple[str, str, str, int]] = [
    ("The harm and its pattern", "Has the victim been physically assaulted or threatened with violence?", "", 3),
    ("The harm and its pattern", "Are the incidents happening more often, or getting more serious?", "", 2),
    (
        "The harm and its pattern",
        "Has the victim's home or property been damaged, or has anyone tried to set fire to it?",
        "",
        2,
    ),
    ("The harm and its pattern", "Has the behaviour gone on for more than six months?", "", 1),
    ("The harm and its pattern", "Has a weapon been used or mentioned?", "", 3),
    (
        "The harm and its pattern",
        "Is the victim targeted because of who they are?",
        "For example their race, religion, sexual orientation, disability or transgender identity.",
        2,
    ),
    ("The victim", "Does the victim have a disability, a mental health condition or a learning difficulty?", "", 2),
    ("The victim", "Is the victim isolated, with little or no support from family or friends?", "", 1),
    ("The victim", "Are children in the household affected by the behaviour?", "", 2),
    ("The victim", "Is the victim's physical or mental health suffering because of the behaviour?", "", 2),
    ("The victim", "Is the victim afraid to leave home, or thinking of moving because of it?", "", 2),
    ("The victim", "Has the victim had thoughts of self-harm or suicide?", "", 3),
    ("The victim", "Has the victim reported incidents to more than one agency in the last year?", "", 1),
    ("The alleged perpetrator", "Does the alleged perpetrator have a history of violence or offending?", "", 2),
    ("The alleged perpetrator", "Is drug or alcohol misuse involved?", "", 1),
    (
        "The alleged perpetrator",
        "Is there evidence of exploitation, such as cuckooing or county lines?",
        "For example a vulnerable person's home taken over for dealing drugs.",
        3,
    ),
    (
        "The alleged perpetrator",
        "Has the alleged perpetrator broken an injunction, a court order or a tenancy condition?",
        "",
        2,
    ),
    (
        "The alleged perpetrator",
        "Is the alleged perpetrator vulnerable themselves?",
        "For example because of their mental health, a learning disability or being exploited.",
        1,
    ),
]


def create_default_checklist(template_model: Any, question_model: Any, option_model: Any, now: Any) -> Any:
    """Create version 1 of the default checklist, published. Works with historical models too."""
    template = template_model.objects.create(
        name=NAME,
        version=1,
        status="published",
        introduction=INTRODUCTION,
        medium_from=MEDIUM_FROM,
        high_from=HIGH_FROM,
        published_at=now,
    )
    for order, (section, text, help_text, weight) in enumerate(QUESTIONS, start=1):
        question = question_model.objects.create(
            template=template, section=section, order=order, text=text, help_text=help_text
        )
        option_model.objects.bulk_create(
            [
                option_model(question=question, order=1, label="Yes", score=weight),
                option_model(question=question, order=2, label="No", score=0),
                option_model(question=question, order=3, label="Not known", score=0),
            ]
        )
    return template

"""WTForms forms. Error messages follow the GOV.UK Design System's wording patterns."""

from __future__ import annotations

import functools
import re
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from engage.i18n import lazy_gettext as _l
from engage.labels import AGREEMENT_SCALE, AUDIENCE, KIND, ROLE
from engage.models import Audience, QuestionKind
from engage.services.consultations import QuestionSpec

MAX_ANSWER_CHARS = 10_000
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
EMAIL_MESSAGE = _l("Enter an email address in the correct format, like name@example.com")


class LoginForm(Form):
    email = EmailField("Email address", [DataRequired("Enter your email address")])
    password = PasswordField("Password", [DataRequired("Enter your password")])


def _role_field(label: str) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(r.value, ROLE[r]) for r in ROLE],
        validators=[InputRequired("Select a role")],
    )


class InviteForm(Form):
    """An administrator adds a member of staff (views.users)."""

    email = EmailField(
        "Email address",
        [
            DataRequired("Enter their email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(EMAIL_PATTERN, message="Enter an email address in the correct format, like name@example.org"),
        ],
    )
    display_name = StringField(
        "Name", [Optional(), Length(max=120)], description="Shown to other staff. Leave blank to use the email address"
    )
    role = _role_field("Role")


class RoleForm(Form):
    role = _role_field("New role")


class SetPasswordForm(Form):
    password = PasswordField(
        "Choose a password",
        [DataRequired("Enter a password"), Length(max=200, message="Password must be 200 characters or fewer")],
        description="12 characters or more. 3 or 4 random words are easy to remember and hard to guess",
    )
    confirm = PasswordField("Type the password again", [DataRequired("Type the password again")])

    def validate_confirm(self, field: PasswordField) -> None:
        if field.data != self.password.data:
            raise ValidationError("The passwords do not match")


class ConsultationForm(Form):
    kind = RadioField(
        "What kind of consultation is it?",
        choices=[
            SelectChoice("consultation", "Questions that people answer"),
            SelectChoice("proposals", "Nominations and ideas: people propose something, say why, and support others"),
        ],
        default="consultation",
        validators=[Optional()],
    )
    title = StringField(
        "Title", [DataRequired("Enter a title"), Length(max=200, message="Title must be 200 characters or fewer")]
    )
    slug = StringField(
        "Web address name",
        [
            Optional(),
            Length(max=120),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message="Web address name must only include lower case letters, numbers and hyphens",
            ),
        ],
        description="Leave blank to make one from the title, for example review-rename-reclaim",
    )
    summary = TextAreaField(
        "Summary",
        [DataRequired("Enter a summary"), Length(max=600, message="Summary must be 600 characters or fewer")],
        description="One or two sentences, shown in the list of consultations",
    )
    body = TextAreaField(
        "Why we are asking",
        [Optional(), Length(max=20_000)],
        description="Explain what the consultation is about, who can take part and what happens next",
    )
    audiences = SelectMultipleField(
        "Who is this consultation for?",
        [DataRequired("Select who this consultation is for")],
        choices=[SelectChoice(a.value, AUDIENCE[a]) for a in Audience],
    )
    young_people = BooleanField(
        "Aimed at young people: ask their age first, never ask under-13s for contact details, "
        "and show where to get support"
    )
    one_question_per_page = BooleanField(
        "Show one question on each page (GOV.UK recommends this when questions are long or need thought), "
        "instead of all questions on one page"
    )
    opens_on = DateField("Opens on", [Optional()], description="For example, 2027-03-01")
    closes_on = DateField("Closes on", [Optional()], description="For example, 2027-05-31")

    def validate_closes_on(self, field: DateField) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError("Closing date must be the same as or after the opening date")


class QuestionForm(Form):
    text = TextAreaField(
        "Question",
        [DataRequired("Enter the question"), Length(max=1000, message="Question must be 1000 characters or fewer")],
    )
    hint = StringField("Hint (optional)", [Optional(), Length(max=500)])
    kind = RadioField(
        "Type of answer",
        choices=[SelectChoice(k.value, KIND[k]) for k in QuestionKind],
        validators=[InputRequired("Select the type of answer")],
    )
    # No Optional(): it would stop validation of an empty box before validate_options runs, and a
    # choice question with no options would be accepted.
    options = TextAreaField(
        "Options (for choice questions)",
        [Length(max=5000)],
        description="One option on each line",
    )
    required = BooleanField("People must answer this question")

    def validate_options(self, field: TextAreaField) -> None:
        choice = self.kind.data in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE)
        if choice and len(self.option_list()) < 2:
            raise ValidationError("Enter at least 2 options, one on each line")

    def option_list(self) -> list[str]:
        seen: dict[str, None] = {}
        for line in (self.options.data or "").splitlines():
            if line.strip():
                seen.setdefault(line.strip(), None)
        return list(seen)


def answer_field_name(question_id: int) -> str:
    return f"q{question_id}"


# Statements that start with one of these words read on after "Select how much you agree that".
_LOWER_FIRST = {"a", "an", "all", "more", "our", "people", "residents", "the", "there", "these", "this", "we"}


def _question_in_message(text: str, limit: int = 90) -> str:
    """A question short enough to quote in an error message."""
    text = " ".join(text.split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _agree_that(text: str) -> str:
    """ "The council should review names." → "the council should review names" (after "agree that")."""
    text = _question_in_message(text)
    first = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if first.lower() in _LOWER_FIRST else text


def answer_messages(q: QuestionSpec) -> tuple[Any, Any]:
    """(message when a required answer is missing, message when a text answer is too long).

    GOV.UK error messages say what to do about which question, so a page with several questions
    never shows "Select an answer" twice.
    """
    quoted = _question_in_message(q.text)
    if q.kind == QuestionKind.AGREEMENT:
        missing = _l("Select how much you agree that %(statement)s", statement=_agree_that(q.text))
    elif q.kind == QuestionKind.SINGLE_CHOICE:
        missing = _l("Select your answer to: %(question)s", question=quoted)
    elif q.kind == QuestionKind.MULTIPLE_CHOICE:
        missing = _l("Select at least one answer to: %(question)s", question=quoted)
    else:
        missing = _l("Enter your answer to: %(question)s", question=quoted)
    too_long = _l(
        "%(question)s: your answer must be %(max)s characters or fewer", question=quoted, max=f"{MAX_ANSWER_CHARS:,}"
    )
    return missing, too_long


@functools.lru_cache(maxsize=256)
def response_form_for(questions: tuple[QuestionSpec, ...], audiences: tuple[str, ...]) -> type[Form]:
    """A form class for one consultation's questions (services.consultations.QuestionSpec).

    Built once per version of a consultation's questions and cached: the specs are hashable, and
    labels are lazy, so they are translated when shown.
    """
    attrs: dict[str, Any] = {
        "audience": RadioField(
            _l("Which of these best describes you?"),
            choices=[SelectChoice(a, _l(AUDIENCE[Audience(a)])) for a in audiences],
            validators=[InputRequired(_l("Select which of these best describes you"))],
            # One possible answer (a young person, by the age they gave): chosen for them.
            default=audiences[0] if len(audiences) == 1 else None,
        )
    }
    for q in questions:
        name = answer_field_name(q.id)
        label = q.text if q.required else _l("%(question)s (optional)", question=q.text)
        missing, too_long = answer_messages(q)
        if q.kind == QuestionKind.FREE_TEXT:
            validators: list[Any] = [
                DataRequired(missing) if q.required else Optional(),
                Length(max=MAX_ANSWER_CHARS, message=too_long),
            ]
            attrs[name] = TextAreaField(label, validators, description=q.hint)
        elif q.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.AGREEMENT):
            options = AGREEMENT_SCALE if q.kind == QuestionKind.AGREEMENT else q.options
            attrs[name] = RadioField(
                label,
                choices=[SelectChoice(o, _l(o) if q.kind == QuestionKind.AGREEMENT else o) for o in options],
                validators=[InputRequired(missing) if q.required else Optional()],
                description=q.hint,
            )
        else:
            attrs[name] = SelectMultipleField(
                label,
                choices=[SelectChoice(o, o) for o in q.options],
                validators=[DataRequired(missing) if q.required else Optional()],
                description=q.hint,
            )
    return type("ResponseForm", (Form,), attrs)


def single_choice_form(label: str, options: list[str], *, required_message: str | None = None) -> type[Form]:
    """One question on one page (GOV.UK): optional unless a required message is given."""
    validators: list[Any] = [InputRequired(_l(required_message))] if required_message else [Optional()]
    return type(
        "SingleChoiceForm",
        (Form,),
        {"answer": RadioField(_l(label), choices=[SelectChoice(o, _l(o)) for o in options], validators=validators)},
    )


class ContactForm(Form):
    email = EmailField(
        _l("Email address (optional)"),
        [
            Optional(),
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
            Regexp(EMAIL_PATTERN, message=EMAIL_MESSAGE),
        ],
        description=_l("We will only use it for this consultation, and delete it when the results are published"),
    )
    notify = BooleanField(_l("Email me when the results are published"))


class ImportForm(Form):
    """The details of an upload of transcribed responses (the file itself is read by the view)."""

    channel = RadioField(
        "Where did these responses come from?",
        choices=[
            SelectChoice("paper", "Paper forms"),
            SelectChoice("workshop", "A workshop or listening session (notes)"),
            SelectChoice("email", "Emails or letters"),
        ],
        validators=[InputRequired("Select where these responses came from")],
    )
    audience = RadioField(
        "Who gave these responses?",
        choices=[SelectChoice(a.value, AUDIENCE[a]) for a in Audience],
        validators=[InputRequired("Select who gave these responses")],
        description="Used for rows without a column that says who gave them",
    )
    held_on = DateField("Date of the session (optional)", [Optional()], description="For example, 2027-03-14")
    place = StringField("Place (optional)", [Optional(), Length(max=200)], description="For example, Eastside Library")
    facilitator = StringField("Facilitator or transcriber (optional)", [Optional(), Length(max=120)])


def feedback_form_class(areas: list[tuple[int, str]]) -> type[Form]:
    return type(
        "FeedbackForm",
        (Form,),
        {
            "area": RadioField(
                _l("What is your feedback about?"),
                choices=[SelectChoice(str(i), name) for i, name in areas],
                validators=[InputRequired(_l("Select what your feedback is about"))],
            ),
            "feedback": TextAreaField(
                _l("Your feedback"),
                [
                    DataRequired(_l("Enter your feedback")),
                    Length(
                        max=MAX_ANSWER_CHARS,
                        message=_l("Feedback must be %(max)s characters or fewer", max=f"{MAX_ANSWER_CHARS:,}"),
                    ),
                ],
                description=_l("Do not include your name, address or other personal details"),
            ),
            "audience": RadioField(
                _l("Which of these best describes you? (optional)"),
                choices=[SelectChoice(a.value, _l(AUDIENCE[a])) for a in Audience],
                validators=[Optional()],
            ),
        },
    )


class ServiceAreaForm(Form):
    name = StringField("Name of the service area", [DataRequired("Enter the name of the service area")])


def proposal_form_class(reason_label: str, reason_hint: str, audiences: list[str], subject: str = "") -> type[Form]:
    """The proposal form; its hint names the consultation's own subject (a park is not a street)."""
    return type(
        "ProposalForm",
        (Form,),
        {
            "title": StringField(
                _l("Your proposal"),
                [
                    DataRequired(_l("Enter your proposal")),
                    Length(max=120, message=_l("Your proposal must be 120 characters or fewer")),
                ],
                description=(
                    _l("In a few words: what you propose for %(subject)s", subject=subject)
                    if subject
                    else _l("In a few words: what you propose")
                ),
            ),
            "reason": TextAreaField(
                reason_label,
                [
                    DataRequired(_l("Enter why it matters")),
                    Length(
                        max=MAX_ANSWER_CHARS,
                        message=_l("Your reason must be %(max)s characters or fewer", max=f"{MAX_ANSWER_CHARS:,}"),
                    ),
                ],
                description=reason_hint,
            ),
            "audience": RadioField(
                _l("Which of these best describes you?"),
                choices=[SelectChoice(a, _l(AUDIENCE[Audience(a)])) for a in audiences],
                validators=[InputRequired(_l("Select which of these best describes you"))],
            ),
        },
    )


class SupportForm(Form):
    email = EmailField(
        _l("Email address (optional)"),
        [Optional(), Length(max=254), Regexp(EMAIL_PATTERN, message=EMAIL_MESSAGE)],
        description=_l(
            "We will email you a link to confirm your support, so it is counted once. "
            "We keep a scrambled version, never the address."
        ),
    )


_NAME_WORD = re.compile(r"^[A-Za-z][A-Za-z'\u2019-]+$")


def looks_like_full_name(name: str) -> bool:
    """ "Sarah Jones" does; "Happy Cyclist", "Sarah" and "ParkFan22" do not.

    Two to four capitalised words of letters, not all of them everyday words. Only a warning
    (people can keep the name), so a rough rule is enough: a name that is also a word, like
    "Rose Green", gets no warning.
    """
    from nlp.redact import is_common  # the redaction step's word list (texts in, results out)

    words = name.split()
    if not 2 <= len(words) <= 4 or not all(_NAME_WORD.match(w) and w[0].isupper() for w in words):
        return False
    return not all(is_common(w) for w in words)


class ReplyForm(Form):
    display_name = StringField(
        _l("Display name"),
        [
            DataRequired(_l("Enter a display name")),
            Length(max=40, message=_l("Display name must be 40 characters or fewer")),
            Regexp(r"^[^@]*$", message=_l("Display name must not be an email address")),
        ],
        description=_l("Shown with your post. Do not use your full name or email address"),
    )
    name_warning = False
    # Shown only after the full-name warning: keeping the name is the resident's choice.
    keep_name = BooleanField(_l("I want to use this name anyway"))
    text = TextAreaField(
        _l("Your post"),
        [
            DataRequired(_l("Enter your post")),
            Length(max=5000, message=_l("Your post must be 5,000 characters or fewer")),
        ],
    )

    def validate_display_name(self, field: StringField) -> None:
        self.name_warning = looks_like_full_name(field.data or "") and not self.keep_name.data
        if self.name_warning:
            raise ValidationError(
                _l(
                    "%(name)s looks like a full name, and everyone can read it. Choose a nickname, or tick "
                    "the box to use this name anyway",
                    name=(field.data or "").strip(),
                )
            )


class ThreadForm(ReplyForm):
    title = StringField(
        _l("Title"),
        [
            DataRequired(_l("Enter a title for your discussion")),
            Length(max=150, message=_l("Title must be 150 characters or fewer")),
        ],
    )


def report_form_class(reasons: dict[str, str]) -> type[Form]:
    return type(
        "ReportForm",
        (Form,),
        {
            "reason": RadioField(
                _l("Why are you reporting this post?"),
                choices=[SelectChoice(k, _l(v)) for k, v in reasons.items()],
                validators=[InputRequired(_l("Select why you are reporting this post"))],
            ),
            "details": TextAreaField(_l("Anything else we should know (optional)"), [Optional(), Length(max=2000)]),
        },
    )


class ForumSpaceForm(Form):
    name = StringField(
        "Name of the space",
        [DataRequired("Enter the name of the space"), Length(max=100, message="Name must be 100 characters or fewer")],
        description="For example, Youth forum",
    )
    description = TextAreaField("What the space is for", [Optional(), Length(max=1000)])
    audience = RadioField(
        "Who is it for?",
        choices=[SelectChoice(a.value, AUDIENCE[a]) for a in Audience],
        validators=[InputRequired("Select who the space is for")],
    )
    premoderated = BooleanField(
        "Pre-moderate: posts appear only after a moderator approves them (always on for young people)"
    )


class CodeForm(Form):
    code = StringField(
        "Code from your authenticator app",
        [DataRequired("Enter the 6-digit code from your authenticator app")],
        description="For example, 123456",
    )


class EraseForm(Form):
    reference = StringField(
        _l("Reference number"),
        [
            DataRequired(_l("Enter your reference number")),
            Length(max=40, message=_l("Enter your reference number")),
        ],
        description=_l("For example, ABCD-EFGH. It was on the page you saw after you responded."),
    )

    def validate_reference(self, field: StringField) -> None:
        # Checked here, before the request counts against the hourly limit: a typo costs nothing.
        from engage.services.erasure import normalise

        if normalise(field.data or "") is None:
            raise ValidationError(
                _l("Enter a reference number in the correct format: 8 letters and numbers, like ABCD-EFGH")
            )


class StaffEraseForm(Form):
    reference = StringField(
        "Reference number",
        [DataRequired("Enter the reference number"), Length(max=40, message="Enter the reference number")],
        description="For example, ABCD-EFGH",
    )


class ResumeForm(Form):
    code = StringField(
        _l("Your code"),
        [DataRequired(_l("Enter the code you were given when you saved your response"))],
        description=_l(
            "For example, ABCD-EFGH-JKMN. It was on the page you saw when you saved, "
            "and in the email if you asked for one."
        ),
    )


class SendToMeForm(Form):
    """An address used to send one email, then forgotten (never stored)."""

    email = EmailField(
        _l("Email address"),
        [
            DataRequired(_l("Enter your email address")),
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
            Regexp(EMAIL_PATTERN, message=EMAIL_MESSAGE),
        ],
        description=_l("We will use it to send this one email, and not keep it"),
    )

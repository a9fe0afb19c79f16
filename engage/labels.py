"""Words shown to people for stored values, in one place (ready for message catalogues)."""

from engage.models import Audience, Channel, ImportStatus, QuestionKind, Role, Status

AGREEMENT_SCALE = [
    "Strongly agree",
    "Agree",
    "Neither agree nor disagree",
    "Disagree",
    "Strongly disagree",
]

STATUS = {
    Status.DRAFT: "Draft",
    Status.SCHEDULED: "Scheduled to open",
    Status.OPEN: "Open",
    Status.CLOSED: "Closed",
    Status.PUBLISHED: "Results published",
}
STATUS_TAG = {
    Status.DRAFT: "govuk-tag--grey",
    Status.SCHEDULED: "govuk-tag--purple",
    Status.OPEN: "govuk-tag--green",
    Status.CLOSED: "govuk-tag--yellow",
    Status.PUBLISHED: "govuk-tag--blue",
}
AUDIENCE = {
    Audience.RESIDENT: "Resident",
    Audience.PARENT: "Parent or carer",
    Audience.YOUNG_PERSON: "Young person (under 18)",
    Audience.OTHER: "Someone else (for example a local business or organisation)",
}
CHANNEL = {
    Channel.ONLINE: "Online",
    Channel.PAPER: "Paper form",
    Channel.WORKSHOP: "Workshop or listening session",
    Channel.EMAIL: "Email",
    Channel.FEEDBACK: "Feedback form",
    Channel.FORUM: "Forum post",
}
IMPORT_STATUS = {
    ImportStatus.UPLOADED: "Match the columns",
    ImportStatus.CHECK_QUEUED: "Waiting to check",
    ImportStatus.CHECKING: "Checking",
    ImportStatus.READY: "Ready to import",
    ImportStatus.IMPORT_QUEUED: "Waiting to import",
    ImportStatus.IMPORTING: "Importing",
    ImportStatus.DONE: "Imported",
    ImportStatus.FAILED: "Stopped",
}
KIND = {
    QuestionKind.FREE_TEXT: "Free text",
    QuestionKind.SINGLE_CHOICE: "Choose one option",
    QuestionKind.MULTIPLE_CHOICE: "Choose one or more options",
    QuestionKind.AGREEMENT: "Agreement scale (strongly agree to strongly disagree)",
}
ROLE = {
    Role.ADMIN: "Administrator",
    Role.OFFICER: "Policy officer",
    Role.MODERATOR: "Moderator",
    Role.COALITION_MEMBER: "Coalition member",
    Role.SAFEGUARDING_LEAD: "Safeguarding lead",
}
STANCE = {
    "support": "Supports",
    "oppose": "Opposes",
    "mixed": "Mixed views",
    "neutral": "Neutral",
}
FLAG = {
    "safeguarding": "Possible safeguarding concern",
    "abuse": "Abusive or hateful language",
    "spam": "Possible spam",
}

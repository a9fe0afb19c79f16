"""Errors that services raise and views turn into pages."""


class NotFound(Exception):
    pass


class Conflict(Exception):
    """The request is valid but not allowed in the record's current state."""


class ValidationFailed(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors

"""Errors raised by the nlp package."""


class InputError(ValueError):
    """Bad input file or codebook; ``str(err)`` is a clear one-line message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

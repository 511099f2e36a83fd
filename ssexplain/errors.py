"""The project's own exceptions: each carries a message that tells a person what to do."""


class SsexplainError(Exception):
    """Base class: caught at the edges (CLI, web) and shown as one clear line."""


class ContentError(SsexplainError):
    """A content file is missing or malformed; the message names the file and entry."""


class IndexNotReady(SsexplainError):
    """The search index is missing, stale or corrupt; the message names the command to run."""


class ModelError(SsexplainError):
    """The embedding model could not be loaded from its local folder."""


class BadQuestion(SsexplainError):
    """A question or history that cannot be answered as given (empty, too long, wrong type)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

"""The one exception type users see: a clear one-line message, never a traceback."""


class UserError(Exception):
    """Bad input or environment. ``str(err)`` is the whole message: ``FILE: KEY: expected ..., got ...``."""

    exit_code = 2

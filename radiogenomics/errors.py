"""The exception and warning types for bad user input.

The CLI turns an :class:`InputError` into a one-line message and a non-zero exit, without a traceback,
and an :class:`InputWarning` into a one-line ``warning: ...`` on stderr. Their messages name the file or
option, what was found, what was expected and the fix (or what was done instead).
"""


class InputError(ValueError):
    """Bad input from the user: a file, folder, table or option that cannot be used as given."""


class InputWarning(UserWarning):
    """Input used, but not as given: values set to missing, a column set aside, a part not computed."""

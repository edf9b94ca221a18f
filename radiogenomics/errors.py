"""The one exception type for bad user input.

The CLI turns an :class:`InputError` into a one-line message and a non-zero exit, without a traceback.
Its message names the file or option, what was found, what was expected and the fix.
"""


class InputError(ValueError):
    """Bad input from the user: a file, folder, table or option that cannot be used as given."""

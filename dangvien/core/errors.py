"""Errors of the actions that change records (the dossier steps, the member register).

An action refuses before writing anything; its message is for the user, in their
language, and names the field when one is wrong. Pages show it beside the field, the
JSON API returns it with status 400 (403 when out of scope, 409 when changed meanwhile).
"""


class ActionError(Exception):
    """A change refused before anything was written; the message is for the user."""


class InvalidField(ActionError):
    """A value the action may not take; `field` names it (the form field, the API key)."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class ChangedMeanwhile(ActionError):
    """Someone else changed the record since it was read: nothing was written."""


class NotAllowed(ActionError):
    """The record, or one of the units the action touches, is outside the user's
    writable scope (or the user's role may only read)."""

"""Schemas and bounds every API router shares: the error bodies and the id bound."""

from ninja import Schema

INT32 = 2**31 - 1  # ids and versions: refused above, never an overflow in the database


class ErrorOut(Schema):
    error: str


class FieldErrorOut(Schema):
    loc: list[str]
    msg: str
    type: str


class InvalidOut(Schema):
    """A refused value, with the field in `loc` (the shape of the schema's own 422)."""

    detail: list[FieldErrorOut]

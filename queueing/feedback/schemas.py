"""Wire types of feedback. A comment is the customer's own words: no contact travels with it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from queueing.models.feedback import COMMENT_LENGTH

Rating = Annotated[int, msgspec.Meta(ge=1, le=5)]


class GiveFeedback(msgspec.Struct, forbid_unknown_fields=True):
    """The holder of a finished ticket rates the visit."""

    rating: Rating
    comment: Annotated[str, msgspec.Meta(max_length=COMMENT_LENGTH)] | None = None


class FeedbackView(msgspec.Struct):
    ticket: uuid.UUID
    rating: int
    comment: str | None
    given_at: datetime


class FeedbackComment(msgspec.Struct):
    """A comment as a unit's manager reads it: which service, how rated, when; no number, so it
    is not matched to a visit and its contact."""

    service: str
    unit: str
    rating: int
    comment: str
    language: str
    given_at: datetime

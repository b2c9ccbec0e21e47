"""Each route's access rule, declared on its handler (`opt`), so none can go without one.

The rule says who may reach a route at all; what a signed-in account may see or change there is
decided per resource by `Principal` (queueing/access/principal.py). tests/integration/
test_access_matrix.py walks every route of the app and fails for one without a rule.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

KEY = "access"


class Access(StrEnum):
    # Anyone; the answer carries no personal data and no sensitive service's name.
    PUBLIC = "public"
    # Whoever holds the capability: a ticket's UUID, a booking's code.
    HOLDER = "holder"
    # A lobby or counter display: public ones for anyone, others with their device token.
    DISPLAY = "display"
    # A signed-in account (401 without); the Principal decides per resource (403).
    ACCOUNT = "account"


def rule(access: Access) -> dict[str, Any]:
    """The `opt` of a handler or controller with this rule."""
    return {KEY: access.value}


PUBLIC = rule(Access.PUBLIC)
HOLDER = rule(Access.HOLDER)
DISPLAY = rule(Access.DISPLAY)
ACCOUNT = rule(Access.ACCOUNT)

"""Wire types derived from the site file's structs, so a field added there is a field here.

A view is the file's struct with its nested lists dropped (a unit's services are their own
resource) and the parent's slug added (a service names its `unit`); a patch is the same with
every field optional, sent or not (`msgspec.UNSET`).
"""

from __future__ import annotations

from typing import Any, Union

import msgspec
from msgspec import NODEFAULT, UNSET, UnsetType


def derived(
    name: str,
    base: type[msgspec.Struct],
    *,
    drop: tuple[str, ...] = (),
    extra: tuple[tuple[str, Any], ...] = (),
    partial: bool = False,
) -> Any:
    """A struct with `base`'s fields (less `drop`, plus `extra` first); all optional if partial."""
    fields = [_optional(*f) if partial else f for f in extra]
    for field in msgspec.structs.fields(base):
        if field.name in drop:
            continue
        if partial:
            fields.append(_optional(field.name, field.type))
        elif field.default is not NODEFAULT:
            fields.append((field.name, field.type, field.default))
        elif field.default_factory is not NODEFAULT:
            factory = field.default_factory
            fields.append((field.name, field.type, msgspec.field(default_factory=factory)))
        else:
            fields.append((field.name, field.type))
    # Named as if defined in schemas.py, where the OpenAPI document says they come from.
    module = __name__.rsplit(".", 1)[0] + ".schemas"
    return msgspec.defstruct(name, fields, kw_only=True, forbid_unknown_fields=True, module=module)


def _optional(name: str, kind: Any) -> tuple[str, Any, Any]:
    """A field a patch may leave out: UNSET when not sent (None may be a value)."""
    return (name, Union[kind, UnsetType], UNSET)  # noqa: UP007


def sent(patch: msgspec.Struct) -> dict[str, Any]:
    """The fields a patch carries."""
    return {k: v for k, v in msgspec.structs.asdict(patch).items() if v is not UNSET}

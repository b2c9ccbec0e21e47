"""One change of a site's configuration: its file read, edited as structs, validated, imported.

Every admin change goes the way of `queueing sites import`: the site's file is read in the
change's transaction (the site row locked), the change applied to the msgspec structs, checked by
the same `validate` as a file, and written by the same import. So what /admin edits exports as
YAML by construction, and a field added to the file's structs needs nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec

from queueing.errors import Conflict, InvalidInput, NotFound
from queueing.sites import config as cfg

# The file's lists, whose items a message names by slug: `services.<slug>.<field>`.
_LISTS = {"units", "services", "service_points", "serving_agreements", "need_types"}
_FIELD = re.compile(r"^([A-Za-z0-9_.\[\]-]+?)[:]?(?:\s|$)")


def view(kind: type[Any], struct: msgspec.Struct, **extra: Any) -> Any:
    """`struct` (a part of the file) as the API's `kind`, plus the parent's slug in `extra`."""
    data = {**msgspec.to_builtins(struct), **extra}
    return convert({k: v for k, v in data.items() if k in kind.__struct_fields__}, kind)


def to_config(kind: type[Any], item: msgspec.Struct, **replace: Any) -> Any:
    """The API's `item` as the file's `kind` (fields the file nests elsewhere left out)."""
    data = {**msgspec.to_builtins(item), **replace}
    return convert({k: v for k, v in data.items() if k in kind.__struct_fields__}, kind)


def patched(kind: type[Any], current: msgspec.Struct, changes: dict[str, Any]) -> Any:
    """`current` with the sent fields replaced, checked as a whole."""
    return convert({**msgspec.to_builtins(current), **msgspec.to_builtins(changes)}, kind)


def convert(data: Any, kind: type[Any]) -> Any:
    try:
        return msgspec.convert(data, kind)
    except msgspec.ValidationError as exc:
        found = re.search(r"at `\$\.([^`]*)`", str(exc))
        named = re.search(r"(?:unknown|missing required) field `([^`]+)`", str(exc))
        path = ".".join(p for p in (found and found.group(1), named and named.group(1)) if p)
        raise InvalidInput(str(exc), field=path or "body") from exc


def checked(config: cfg.SiteConfig) -> cfg.SiteConfig:
    """The file's own checks; a failure is a 422 naming the field as the API spells it."""
    try:
        return cfg.validate(config)
    except cfg.ConfigError as exc:
        raise InvalidInput(str(exc), field=field_of(str(exc))) from exc


def field_of(message: str) -> str:
    """'services.kela-x.target ...' -> 'target'; 'opening_hours.mon-fri ...' -> 'opening_hours'."""
    match = _FIELD.match(message)
    parts = (match.group(1) if match else "body").replace("[]", "").split(".")
    return parts[2] if parts[0] in _LISTS and len(parts) > 2 else parts[0]


def unit(config: cfg.SiteConfig, slug: str) -> cfg.UnitConfig:
    for found in config.units:
        if found.slug == slug:
            return found
    raise NotFound(f"no unit {slug!r}")


def services(config: cfg.SiteConfig) -> Iterator[tuple[cfg.UnitConfig, cfg.ServiceConfig]]:
    for owner in config.units:
        for service in owner.services:
            yield owner, service


def service(config: cfg.SiteConfig, slug: str) -> tuple[cfg.UnitConfig, cfg.ServiceConfig]:
    for owner, found in services(config):
        if found.slug == slug:
            return owner, found
    raise NotFound(f"no service {slug!r}")


def point(config: cfg.SiteConfig, slug: str) -> cfg.ServicePointConfig:
    for found in config.service_points:
        if found.slug == slug:
            return found
    raise NotFound(f"no service point {slug!r}")


def agreement(config: cfg.SiteConfig, unit_slug: str) -> cfg.ServingAgreementConfig:
    for found in config.serving_agreements:
        if found.unit == unit_slug:
            return found
    raise NotFound(f"no serving agreement of unit {unit_slug!r}")


def free(slug: str, taken: Any, what: str) -> None:
    """A new thing's slug must not be taken (409)."""
    if slug in set(taken):
        raise Conflict(f"{what} {slug!r} already exists", field="slug")


def unused(what: str, slug: str, users: dict[str, list[str]]) -> None:
    """Refuse to remove something still referred to, naming what refers to it (409)."""
    named = [f"{kind}: {', '.join(slugs)}" for kind, slugs in users.items() if slugs]
    if named:
        raise Conflict(f"{what} {slug!r} is still referred to by {'; '.join(named)}")

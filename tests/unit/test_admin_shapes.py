"""The admin API's wire types follow the site file's structs: a field added there is here."""

from __future__ import annotations

import msgspec
import pytest

from queueing.admin import draft
from queueing.admin import schemas as wire
from queueing.admin.shapes import sent
from queueing.errors import InvalidInput
from queueing.sites import config as cfg


def test_every_field_of_the_files_structs_is_a_field_of_the_api() -> None:
    assert set(wire.ServiceView.__struct_fields__) == {"unit", *cfg.ServiceConfig.__struct_fields__}
    assert set(wire.ServicePatch.__struct_fields__) == set(wire.ServiceView.__struct_fields__) - {
        "slug"
    }
    assert set(wire.ServicePointView.__struct_fields__) == set(
        cfg.ServicePointConfig.__struct_fields__
    )
    assert set(wire.UnitView.__struct_fields__) == {"slug", "name"}


def test_a_patch_carries_only_what_was_sent() -> None:
    patch = msgspec.json.decode(b'{"target": "90 % within 5 minutes"}', type=wire.ServicePatch)
    assert sent(patch) == {"target": "90 % within 5 minutes"}


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"colour": "red"}', type=wire.ServicePatch)


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("services.kela-x.target '1' is not like '80 % within 15 minutes'", "target"),
        ("opening_hours.mon-fri '16:00-08:00' is not like '08:00-16:00'", "opening_hours"),
        ("service_points.counter-9.profile: 'x' is not a service", "profile"),
        ("timezone 'Mars/Olympus' is not an IANA time zone", "timezone"),
        ("serving_agreements.kela.services: 'x' is not a service", "services"),
    ],
)
def test_the_files_messages_name_the_apis_field(message: str, field: str) -> None:
    assert draft.field_of(message) == field


def test_a_bad_value_in_a_merge_is_a_422_naming_the_field() -> None:
    current = wire.UnitView(slug="kela", name=cfg.Names(fi="Kela"))
    with pytest.raises(InvalidInput) as refused:
        draft.patched(wire.UnitView, current, {"name": {"sv": "FPA"}})
    assert refused.value.field == "name.fi"  # a patch replaces a field whole: fi is missing

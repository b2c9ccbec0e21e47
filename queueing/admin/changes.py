"""The changes of a site's file the admin API makes, one function each, access decided first.

Each returns a `Change` for `ConfigAdminService.change`: it edits the draft's structs and says
what it did; validation and the import follow there, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from queueing.access.principal import Principal
from queueing.admin import draft, repository
from queueing.admin import schemas as wire
from queueing.admin.service import Change, Draft, Outcome
from queueing.admin.shapes import sent
from queueing.errors import Conflict
from queueing.sites import config as cfg


def patch_site(principal: Principal, patch: Any) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        changes = sent(patch)
        current = draft.view(wire.SiteView, work.config)
        new = draft.patched(wire.SiteView, current, changes)
        for name in changes:
            setattr(work.config, name, getattr(draft.to_config(cfg.SiteConfig, new), name))
        answer = draft.view(wire.SiteView, work.config)
        return Outcome("site.changed", f"site:{work.site.slug}", answer, fields=sorted(changes))

    return change


# Units: the admin's.


def create_unit(principal: Principal, data: Any) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        draft.free(data.slug, (u.slug for u in work.config.units), "unit")
        work.config.units.append(draft.to_config(cfg.UnitConfig, data))
        return Outcome("site.unit.created", f"unit:{data.slug}", data)

    return change


def patch_unit(principal: Principal, slug: str, patch: Any) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        unit = draft.unit(work.config, slug)
        new = draft.patched(wire.UnitView, draft.view(wire.UnitView, unit), sent(patch))
        unit.name = draft.to_config(cfg.UnitConfig, new).name
        return Outcome("site.unit.changed", f"unit:{slug}", new, work.unit_id(slug),
                       sorted(sent(patch)))  # fmt: skip

    return change


def delete_unit(principal: Principal, slug: str) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        unit = draft.unit(work.config, slug)
        draft.unused("unit", slug, {
            "services": [s.slug for s in unit.services],
            "service points": [p.slug for p in work.config.service_points if p.unit == slug],
            "a serving agreement": [a.unit for a in work.config.serving_agreements
                                    if a.unit == slug],
        })  # fmt: skip
        work.config.units.remove(unit)
        return Outcome("site.unit.removed", f"unit:{slug}", None, work.unit_id(slug))

    return change


# Services: created and removed by the admin; edited by the admin or the unit's managers.


def create_service(principal: Principal, data: Any) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        work.named_unit(data.unit)
        owner = draft.unit(work.config, data.unit)
        draft.free(data.slug, (s.slug for _, s in draft.services(work.config)), "service")
        owner.services.append(draft.to_config(cfg.ServiceConfig, data))
        return Outcome("site.service.created", f"service:{data.slug}", data,
                       work.unit_id(data.unit))  # fmt: skip

    return change


def patch_service(principal: Principal, slug: str, patch: Any) -> Change:
    async def change(work: Draft) -> Outcome:
        owner, service = draft.service(work.config, slug)
        principal.require_unit_config(work.site.id, work.unit_id(owner.slug))
        current = draft.view(wire.ServiceView, service, unit=owner.slug)
        new = draft.patched(wire.ServiceView, current, sent(patch))
        if new.unit != owner.slug:
            principal.require_unit_config(work.site.id, work.named_unit(new.unit))
            _move(owner, service, draft.unit(work.config, new.unit))
        _replace_in(draft.unit(work.config, new.unit).services, service,
                    draft.to_config(cfg.ServiceConfig, new))  # fmt: skip
        return Outcome("site.service.changed", f"service:{slug}", new,
                       work.unit_id(new.unit), sorted(sent(patch)))  # fmt: skip

    return change


def delete_service(principal: Principal, slug: str) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        owner, service = draft.service(work.config, slug)
        config = work.config
        draft.unused("service", slug, {
            "service points' profiles": [p.slug for p in config.service_points
                                         if slug in p.profile],
            "serving agreements of": [a.unit for a in config.serving_agreements
                                      if slug in a.services],
        })  # fmt: skip
        waiting = await repository.open_tickets(work.session, work.site.id, slug)
        if waiting:
            raise Conflict(f"service {slug!r} has {waiting} open tickets (waiting or served)")
        owner.services.remove(service)
        return Outcome("site.service.removed", f"service:{slug}", None, work.unit_id(owner.slug))

    return change


def _move(old: cfg.UnitConfig, service: cfg.ServiceConfig, new: cfg.UnitConfig) -> None:
    old.services.remove(service)
    new.services.append(service)


def _replace_in(items: list[Any], old: Any, new: Any) -> None:
    items[items.index(old)] = new


# Service points: like services.


def create_point(principal: Principal, data: Any) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        draft.free(data.slug, (p.slug for p in work.config.service_points), "service point")
        work.config.service_points.append(draft.to_config(cfg.ServicePointConfig, data))
        return Outcome("site.service_point.created", f"service-point:{data.slug}", data,
                       work.named_unit(data.unit))  # fmt: skip

    return change


def patch_point(principal: Principal, slug: str, patch: Any) -> Change:
    async def change(work: Draft) -> Outcome:
        point = draft.point(work.config, slug)
        principal.require_unit_config(work.site.id, work.unit_id(point.unit))
        new = draft.patched(wire.ServicePointView, draft.view(wire.ServicePointView, point),
                            sent(patch))  # fmt: skip
        if new.unit != point.unit:
            principal.require_unit_config(work.site.id, work.named_unit(new.unit))
        _replace_in(work.config.service_points, point,
                    draft.to_config(cfg.ServicePointConfig, new))  # fmt: skip
        return Outcome("site.service_point.changed", f"service-point:{slug}", new,
                       work.unit_id(new.unit), sorted(sent(patch)))  # fmt: skip

    return change


def delete_point(principal: Principal, slug: str) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        point = draft.point(work.config, slug)
        work.config.service_points.remove(point)
        return Outcome("site.service_point.removed", f"service-point:{slug}", None,
                       work.unit_id(point.unit))  # fmt: skip

    return change


# Serving agreements: the admin's (they decide whose customers' data a unit sees).


def create_agreement(principal: Principal, data: Any) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        work.named_unit(data.unit)
        draft.free(data.unit, (a.unit for a in work.config.serving_agreements),
                   "serving agreement of unit")  # fmt: skip
        work.config.serving_agreements.append(draft.to_config(cfg.ServingAgreementConfig, data))
        return Outcome("site.serving_agreement.created", f"agreement:{data.unit}", data,
                       work.unit_id(data.unit))  # fmt: skip

    return change


def patch_agreement(principal: Principal, unit: str, patch: Any) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        found = draft.agreement(work.config, unit)
        new = draft.patched(wire.AgreementView, draft.view(wire.AgreementView, found),
                            sent(patch))  # fmt: skip
        found.services = list(new.services)
        _unused_by_profiles(work.config, found)
        return Outcome("site.serving_agreement.changed", f"agreement:{unit}", new,
                       work.unit_id(unit), sorted(sent(patch)))  # fmt: skip

    return change


def delete_agreement(principal: Principal, unit: str) -> Change:
    async def change(work: Draft) -> Outcome:
        principal.require_admin(work.site.id)
        found = draft.agreement(work.config, unit)
        work.config.serving_agreements.remove(found)
        _unused_by_profiles(work.config, cfg.ServingAgreementConfig(unit=unit, services=[]))
        return Outcome("site.serving_agreement.removed", f"agreement:{unit}", None,
                       work.unit_id(unit))  # fmt: skip

    return change


def _unused_by_profiles(config: cfg.SiteConfig, agreement: cfg.ServingAgreementConfig) -> None:
    """A service the agreement no longer names must leave the unit's points' profiles first."""
    own = {s.slug for s in draft.unit(config, agreement.unit).services}
    for point in config.service_points:
        if point.unit != agreement.unit:
            continue
        lost = [s for s in point.profile if s not in own and s not in agreement.services]
        if lost:
            raise Conflict(
                f"service point {point.slug!r} of unit {agreement.unit!r} serves "
                f"{', '.join(lost)} by this agreement: change its profile first"
            )

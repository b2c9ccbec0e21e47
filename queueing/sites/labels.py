"""The names of a site's configuration as customers may see them."""

from __future__ import annotations

from queueing.models import Service

NEUTRAL_NAMES = {"fi": "Vastaanotto", "sv": "Mottagning", "en": "Reception"}


def service_label(service: Service, language: str) -> str:
    """The name customers may see: a sensitive service shows only its neutral label."""
    names = service.neutral_label if service.sensitive and service.neutral_label else service.names
    if service.sensitive and not service.neutral_label:
        names = NEUTRAL_NAMES
    return str(names.get(language) or names["fi"])

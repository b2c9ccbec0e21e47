"""Message texts in Finnish, Swedish and English, with times on the site's local clock.

Texts never carry a customer's name (a phone's lock screen shows them to anyone nearby) and a
sensitive service appears only by its neutral label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

_WEEKDAYS = {
    "fi": ("ma", "ti", "ke", "to", "pe", "la", "su"),
    "sv": ("mån", "tis", "ons", "tors", "fre", "lör", "sön"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

SUBJECTS = {
    "confirmation": {
        "fi": "Varausvahvistus: {service} {when}",
        "sv": "Bokningsbekräftelse: {service} {when}",
        "en": "Booking confirmed: {service} {when}",
    },
    "rescheduled": {
        "fi": "Varaus siirretty: {service} {when}",
        "sv": "Bokningen flyttad: {service} {when}",
        "en": "Booking moved: {service} {when}",
    },
    "cancellation": {
        "fi": "Varaus peruttu: {service} {when}",
        "sv": "Bokningen avbokad: {service} {when}",
        "en": "Booking cancelled: {service} {when}",
    },
    "reminder": {
        "fi": "Muistutus: {service} {when}",
        "sv": "Påminnelse: {service} {when}",
        "en": "Reminder: {service} {when}",
    },
    "turn-near": {
        "fi": "Vuorosi lähestyy ({number})",
        "sv": "Din tur närmar sig ({number})",
        "en": "Your turn is near ({number})",
    },
    "called": {
        "fi": "{number}: {point}",
        "sv": "{number}: {point}",
        "en": "{number}: {point}",
    },
    "thanks": {
        "fi": "Kiitos käynnistäsi ({number})",
        "sv": "Tack för ditt besök ({number})",
        "en": "Thank you for your visit ({number})",
    },
    "day-closed": {
        "fi": "Vuoronumero {number} suljettu",
        "sv": "Könummer {number} stängt",
        "en": "Ticket {number} closed",
    },
}

BODIES = {
    "confirmation": {
        "fi": "Varaus vahvistettu: {service}, {when}, {site}. Varaustunnus {code}. Ilmoittaudu "
        "saapuessasi kioskilla tunnuksella tai QR-koodilla: {qr_url}",
        "sv": "Bokningen är bekräftad: {service}, {when}, {site}. Bokningskod {code}. Anmäl dig "
        "vid kiosken med koden eller QR-koden när du kommer: {qr_url}",
        "en": "Booking confirmed: {service}, {when}, {site}. Booking code {code}. Check in at "
        "the kiosk with the code or the QR code when you arrive: {qr_url}",
    },
    "rescheduled": {
        "fi": "Varauksesi on siirretty: {service}, {when}, {site}. Varaustunnus {code} pysyy "
        "samana. QR-koodi: {qr_url}",
        "sv": "Din bokning har flyttats: {service}, {when}, {site}. Bokningskoden {code} är "
        "densamma. QR-kod: {qr_url}",
        "en": "Your booking has been moved: {service}, {when}, {site}. Your booking code {code} "
        "stays the same. QR code: {qr_url}",
    },
    "cancellation": {
        "fi": "Varauksesi on peruttu: {service}, {when}, {site} (varaustunnus {code}).",
        "sv": "Din bokning har avbokats: {service}, {when}, {site} (bokningskod {code}).",
        "en": "Your booking has been cancelled: {service}, {when}, {site} (booking code {code}).",
    },
    "reminder": {
        "fi": "Muistutus: {service} {when}, {site}. Varaustunnus {code}. Ilmoittautuminen "
        "kioskilla alkaa {early} min ennen varattua aikaa.",
        "sv": "Påminnelse: {service} {when}, {site}. Bokningskod {code}. Du kan anmäla dig vid "
        "kiosken från {early} min före din tid.",
        "en": "Reminder: {service} {when}, {site}. Booking code {code}. Check-in at the kiosk "
        "opens {early} min before your time.",
    },
    "turn-near": {
        "fi": "Vuoronumerosi {number} vuoro lähestyy: edelläsi on {ahead}. Tule odotusaulaan, "
        "{site}.",
        "sv": "Din tur med nummer {number} närmar sig: före dig {ahead_sv}. Kom till "
        "väntehallen, {site}.",
        "en": "Your turn with number {number} is near: {ahead_en} ahead of you. Please come to "
        "the lobby, {site}.",
    },
    "called": {
        "fi": "{number}, tule palvelupisteeseen {point}.",
        "sv": "{number}, välkommen till {point}.",
        "en": "{number}, please go to {point}.",
    },
    "thanks": {
        "fi": "Kiitos käynnistäsi, {site}. Kerro, miten onnistuimme: {feedback_url}",
        "sv": "Tack för ditt besök, {site}. Berätta hur vi lyckades: {feedback_url}",
        "en": "Thank you for your visit, {site}. Tell us how we did: {feedback_url}",
    },
    "day-closed": {
        "fi": "{site} on sulkeutunut tältä päivältä, eikä vuoronumeroasi {number} ehditty "
        "palvella. Pahoittelemme. Tervetuloa uudelleen seuraavana aukiolopäivänä.",
        "sv": "{site} har stängt för i dag och ditt nummer {number} hann inte betjänas. Vi ber "
        "om ursäkt. Välkommen tillbaka nästa öppetdag.",
        "en": "{site} has closed for the day before your number {number} could be served. We "
        "are sorry. You are welcome back on the next opening day.",
    },
}


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    body: str


def local_time(moment: datetime, timezone: str, language: str) -> str:
    """'ti 1.12.2026 klo 10.00', 'tis 1.12.2026 kl. 10.00', 'Tue 1 Dec 2026 at 10:00'."""
    local = moment.astimezone(ZoneInfo(timezone))
    day = _WEEKDAYS.get(language, _WEEKDAYS["fi"])[local.weekday()]
    if language == "en":
        month = _MONTHS_EN[local.month - 1]
        return f"{day} {local.day} {month} {local.year} at {local:%H:%M}"
    word = "kl." if language == "sv" else "klo"
    return f"{day} {local.day}.{local.month}.{local.year} {word} {local:%H.%M}"


def base_kind(kind: str) -> str:
    """'reminder-24h' -> 'reminder': every reminder offset shares its text."""
    return "reminder" if kind.startswith("reminder-") else kind


def render(kind: str, language: str, context: dict[str, object]) -> Message:
    """The message of `kind` in `language` (Finnish when the language has no text)."""
    base = base_kind(kind)
    language = language if language in BODIES[base] else "fi"
    values = {**context, **_ahead(context)}
    return Message(
        subject=SUBJECTS[base][language].format(**values),
        body=BODIES[base][language].format(**values),
    )


def _ahead(context: dict[str, object]) -> dict[str, str]:
    ahead = int(context.get("ahead", 0))  # type: ignore[call-overload]
    return {
        "ahead": f"{ahead} asiakas" if ahead == 1 else f"{ahead} asiakasta",
        "ahead_sv": f"{ahead} kund" if ahead == 1 else f"{ahead} kunder",
        "ahead_en": f"{ahead} customer" if ahead == 1 else f"{ahead} customers",
    }

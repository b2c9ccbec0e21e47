"""Message texts in every shipped language, with times on the site's local clock.

Finnish, Swedish and English dates keep their hand-made forms; other languages get CLDR's
through Babel, as do the plural forms of "{n} ahead".

Texts never carry a customer's name (a phone's lock screen shows them to anyone nearby) and a
sensitive service appears only by its neutral label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton

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
        "ru": "Запись подтверждена: {service} {when}",
        "et": "Broneering kinnitatud: {service} {when}",
        "ar": "تأكيد الحجز: {service} {when}",
        "so": "Ballanta waa la xaqiijiyay: {service} {when}",
    },
    "rescheduled": {
        "fi": "Varaus siirretty: {service} {when}",
        "sv": "Bokningen flyttad: {service} {when}",
        "en": "Booking moved: {service} {when}",
        "ru": "Запись перенесена: {service} {when}",
        "et": "Broneering muudetud: {service} {when}",
        "ar": "تم نقل الحجز: {service} {when}",
        "so": "Ballanta waa la beddelay: {service} {when}",
    },
    "cancellation": {
        "fi": "Varaus peruttu: {service} {when}",
        "sv": "Bokningen avbokad: {service} {when}",
        "en": "Booking cancelled: {service} {when}",
        "ru": "Запись отменена: {service} {when}",
        "et": "Broneering tühistatud: {service} {when}",
        "ar": "تم إلغاء الحجز: {service} {when}",
        "so": "Ballanta waa la joojiyay: {service} {when}",
    },
    "reminder": {
        "fi": "Muistutus: {service} {when}",
        "sv": "Påminnelse: {service} {when}",
        "en": "Reminder: {service} {when}",
        "ru": "Напоминание: {service} {when}",
        "et": "Meeldetuletus: {service} {when}",
        "ar": "تذكير: {service} {when}",
        "so": "Xusuusin: {service} {when}",
    },
    "turn-near": {
        "fi": "Vuorosi lähestyy ({number})",
        "sv": "Din tur närmar sig ({number})",
        "en": "Your turn is near ({number})",
        "ru": "Ваша очередь скоро ({number})",
        "et": "Teie kord läheneb ({number})",
        "ar": "دورك يقترب ({number})",
        "so": "Kaalintaadu way soo dhowdahay ({number})",
    },
    "called": {
        "fi": "{number}: {point}",
        "sv": "{number}: {point}",
        "en": "{number}: {point}",
        "ru": "{number}: {point}",
        "et": "{number}: {point}",
        "ar": "{number}: {point}",
        "so": "{number}: {point}",
    },
    "thanks": {
        "fi": "Kiitos käynnistäsi ({number})",
        "sv": "Tack för ditt besök ({number})",
        "en": "Thank you for your visit ({number})",
        "ru": "Спасибо за визит ({number})",
        "et": "Aitäh külastuse eest ({number})",
        "ar": "شكرًا لزيارتك ({number})",
        "so": "Waad ku mahadsan tahay booqashadaada ({number})",
    },
    "day-closed": {
        "fi": "Vuoronumero {number} suljettu",
        "sv": "Könummer {number} stängt",
        "en": "Ticket {number} closed",
        "ru": "Талон {number} закрыт",
        "et": "Pilet {number} on suletud",
        "ar": "أُغلقت التذكرة {number}",
        "so": "Tigidhka {number} waa la xiray",
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
        "ru": "Запись подтверждена: {service}, {when}, {site}. Код записи {code}. По прибытии отметьтесь в терминале по коду или QR-коду: {qr_url}",
        "et": "Broneering on kinnitatud: {service}, {when}, {site}. Broneeringukood {code}. Kohale jõudes registreeruge kioskis koodi või QR-koodiga: {qr_url}",
        "ar": "تم تأكيد الحجز: {service}، {when}، {site}. رمز الحجز {code}. عند وصولك سجّل حضورك في الجهاز بالرمز أو برمز QR: {qr_url}",
        "so": "Ballanta waa la xaqiijiyay: {service}, {when}, {site}. Koodhka ballanta {code}. Markaad timaado ku is diiwaangeli mashiinka adigoo isticmaalaya koodhka ama koodhka QR: {qr_url}",
    },
    "rescheduled": {
        "fi": "Varauksesi on siirretty: {service}, {when}, {site}. Varaustunnus {code} pysyy "
        "samana. QR-koodi: {qr_url}",
        "sv": "Din bokning har flyttats: {service}, {when}, {site}. Bokningskoden {code} är "
        "densamma. QR-kod: {qr_url}",
        "en": "Your booking has been moved: {service}, {when}, {site}. Your booking code {code} "
        "stays the same. QR code: {qr_url}",
        "ru": "Ваша запись перенесена: {service}, {when}, {site}. Код записи {code} не меняется. QR-код: {qr_url}",
        "et": "Teie broneering on muudetud: {service}, {when}, {site}. Broneeringukood {code} jääb samaks. QR-kood: {qr_url}",
        "ar": "تم نقل حجزك: {service}، {when}، {site}. رمز الحجز {code} يبقى كما هو. رمز QR: {qr_url}",
        "so": "Ballantaada waa la beddelay: {service}, {when}, {site}. Koodhka ballanta {code} waa sidiisii. Koodhka QR: {qr_url}",
    },
    "cancellation": {
        "fi": "Varauksesi on peruttu: {service}, {when}, {site} (varaustunnus {code}).",
        "sv": "Din bokning har avbokats: {service}, {when}, {site} (bokningskod {code}).",
        "en": "Your booking has been cancelled: {service}, {when}, {site} (booking code {code}).",
        "ru": "Ваша запись отменена: {service}, {when}, {site} (код записи {code}).",
        "et": "Teie broneering on tühistatud: {service}, {when}, {site} (broneeringukood {code}).",
        "ar": "تم إلغاء حجزك: {service}، {when}، {site} (رمز الحجز {code}).",
        "so": "Ballantaada waa la joojiyay: {service}, {when}, {site} (koodhka ballanta {code}).",
    },
    "reminder": {
        "fi": "Muistutus: {service} {when}, {site}. Varaustunnus {code}. Ilmoittautuminen "
        "kioskilla alkaa {early} min ennen varattua aikaa.",
        "sv": "Påminnelse: {service} {when}, {site}. Bokningskod {code}. Du kan anmäla dig vid "
        "kiosken från {early} min före din tid.",
        "en": "Reminder: {service} {when}, {site}. Booking code {code}. Check-in at the kiosk "
        "opens {early} min before your time.",
        "ru": "Напоминание: {service} {when}, {site}. Код записи {code}. Отметиться в терминале можно за {early} мин до назначенного времени.",
        "et": "Meeldetuletus: {service} {when}, {site}. Broneeringukood {code}. Kioskis saab registreeruda {early} min enne teie aega.",
        "ar": "تذكير: {service} {when}، {site}. رمز الحجز {code}. يبدأ تسجيل الحضور في الجهاز قبل موعدك بـ {early} دقيقة.",
        "so": "Xusuusin: {service} {when}, {site}. Koodhka ballanta {code}. Is diiwaangelinta mashiinka waxay furmaysaa {early} daqiiqo ka hor waqtigaaga.",
    },
    "turn-near": {
        "fi": "Vuoronumerosi {number} vuoro lähestyy: edelläsi on {ahead}. Tule odotusaulaan, "
        "{site}.",
        "sv": "Din tur med nummer {number} närmar sig: före dig {ahead}. Kom till "
        "väntehallen, {site}.",
        "en": "Your turn with number {number} is near: {ahead} ahead of you. Please come to "
        "the lobby, {site}.",
        "ru": "Ваша очередь с номером {number} скоро: {ahead}. Пожалуйста, пройдите в зал ожидания, {site}.",
        "et": "Teie kord numbriga {number} läheneb: {ahead}. Palun tulge ooteruumi, {site}.",
        "ar": "دورك بالرقم {number} يقترب: {ahead}. يرجى الحضور إلى صالة الانتظار، {site}.",
        "so": "Kaalintaada lambarka {number} way soo dhowdahay: {ahead}. Fadlan u imow qolka sugitaanka, {site}.",
    },
    "called": {
        "fi": "{number}, tule palvelupisteeseen {point}.",
        "sv": "{number}, välkommen till {point}.",
        "en": "{number}, please go to {point}.",
        "ru": "{number}, пройдите к {point}.",
        "et": "{number}, palun minge: {point}.",
        "ar": "{number}، يرجى التوجه إلى {point}.",
        "so": "{number}, fadlan u gudub {point}.",
    },
    "thanks": {
        "fi": "Kiitos käynnistäsi, {site}. Kerro, miten onnistuimme: {feedback_url}",
        "sv": "Tack för ditt besök, {site}. Berätta hur vi lyckades: {feedback_url}",
        "en": "Thank you for your visit, {site}. Tell us how we did: {feedback_url}",
        "ru": "Спасибо за визит, {site}. Расскажите, как мы справились: {feedback_url}",
        "et": "Aitäh külastuse eest, {site}. Andke teada, kuidas meil läks: {feedback_url}",
        "ar": "شكرًا لزيارتك، {site}. أخبرنا كيف كانت خدمتنا: {feedback_url}",
        "so": "Waad ku mahadsan tahay booqashadaada, {site}. Noo sheeg sida aan u shaqaynay: {feedback_url}",
    },
    "day-closed": {
        "fi": "{site} on sulkeutunut tältä päivältä, eikä vuoronumeroasi {number} ehditty "
        "palvella. Pahoittelemme. Tervetuloa uudelleen seuraavana aukiolopäivänä.",
        "sv": "{site} har stängt för i dag och ditt nummer {number} hann inte betjänas. Vi ber "
        "om ursäkt. Välkommen tillbaka nästa öppetdag.",
        "en": "{site} has closed for the day before your number {number} could be served. We "
        "are sorry. You are welcome back on the next opening day.",
        "ru": "{site} закрылся на сегодня, и ваш номер {number} не успели обслужить. Приносим извинения. Приходите в следующий рабочий день.",
        "et": "{site} on tänaseks suletud ja teie numbrit {number} ei jõutud teenindada. Vabandame. Olete oodatud järgmisel lahtiolekupäeval.",
        "ar": "أُغلق {site} لهذا اليوم قبل أن تتم خدمة رقمك {number}. نعتذر. نرحب بك في يوم العمل التالي.",
        "so": "{site} maanta wuu xirmay ka hor intaan lambarkaaga {number} loo adeegin. Waan ka xunnahay. Ku soo dhawoow maalinta shaqo ee xigta.",
    },
}


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    body: str


def local_time(moment: datetime, timezone: str, language: str) -> str:
    """'ti 1.12.2026 klo 10.00', 'tis 1.12.2026 kl. 10.00', 'Tue 1 Dec 2026 at 10:00'."""
    local = moment.astimezone(ZoneInfo(timezone))
    if language not in _WEEKDAYS:
        return _babel_time(local, language)
    day = _WEEKDAYS.get(language, _WEEKDAYS["fi"])[local.weekday()]
    if language == "en":
        month = _MONTHS_EN[local.month - 1]
        return f"{day} {local.day} {month} {local.year} at {local:%H:%M}"
    word = "kl." if language == "sv" else "klo"
    return f"{day} {local.day}.{local.month}.{local.year} {word} {local:%H.%M}"


def _babel_time(local: datetime, language: str) -> str:
    """The language's own date and time order from CLDR: 'вт, 1 дек. 2026 г., 10:00'."""
    try:
        locale = Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("fi")
    date = format_skeleton("yMMMEd", local, locale=locale)
    time = format_skeleton("Hm", local, locale=locale)
    return str(locale.datetime_formats["medium"]).format(time, date)


def base_kind(kind: str) -> str:
    """'reminder-24h' -> 'reminder': every reminder offset shares its text."""
    return "reminder" if kind.startswith("reminder-") else kind


def render(kind: str, language: str, context: dict[str, object]) -> Message:
    """The message of `kind` in `language` (Finnish when the product has no text in it)."""
    base = base_kind(kind)
    language = language if language in BODIES[base] else "fi"
    values = {**context, **_ahead(language, context)}
    body = BODIES[base][language].format(**values)
    if base in MANAGED_KINDS and context.get("manage_url"):
        body += " " + MANAGE_LINK.get(language, MANAGE_LINK["fi"]).format(**values)
    return Message(subject=SUBJECTS[base][language].format(**values), body=body)


# Every message about a booking ends with the page where the customer can move or cancel it.
MANAGED_KINDS = ("confirmation", "rescheduled", "reminder", "cancellation")
MANAGE_LINK = {
    "fi": "Katso, siirrä tai peru varaus: {manage_url}",
    "sv": "Se, flytta eller avboka: {manage_url}",
    "en": "View, move or cancel your booking: {manage_url}",
    "ru": "Посмотреть, перенести или отменить запись: {manage_url}",
    "et": "Vaata, muuda või tühista broneering: {manage_url}",
    "ar": "اعرض حجزك أو انقله أو ألغه: {manage_url}",
    "so": "Eeg, beddel ama jooji ballantaada: {manage_url}",
}


# "{n} ahead" by each language's CLDR plural category (Babel); "other" is always there.
AHEAD = {
    "fi": {"one": "{n} asiakas", "other": "{n} asiakasta"},
    "sv": {"one": "{n} kund", "other": "{n} kunder"},
    "en": {"one": "{n} customer", "other": "{n} customers"},
    "ru": {
        "one": "перед вами {n} человек",
        "few": "перед вами {n} человека",
        "other": "перед вами {n} человек",
    },
    "et": {"one": "teie ees on {n} inimene", "other": "teie ees on {n} inimest"},
    "ar": {
        "zero": "لا أحد أمامك",
        "one": "أمامك شخص واحد",
        "two": "أمامك شخصان",
        "few": "أمامك {n} أشخاص",
        "many": "أمامك {n} شخصًا",
        "other": "أمامك {n} شخص",
    },
    "so": {"other": "{n} qof ayaa kaa horreeya"},
}


def ahead_text(language: str, ahead: int) -> str:
    """'2 asiakasta', 'перед вами 2 человека', 'أمامك شخصان': the count in the language's form."""
    forms = AHEAD.get(language, AHEAD["fi"])
    try:
        form = str(Locale.parse(language, sep="-").plural_form(ahead))
    except (UnknownLocaleError, ValueError):
        form = "other"
    return forms.get(form, forms["other"]).format(n=ahead)


def _ahead(language: str, context: dict[str, object]) -> dict[str, str]:
    return {"ahead": ahead_text(language, int(context.get("ahead", 0)))}  # type: ignore[call-overload]

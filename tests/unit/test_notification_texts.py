"""Message texts in fi/sv/en with local times, the SMS gateway body, channel choice, config."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from queueing.appointments import config as appointments_config
from queueing.notifications.channels import sms
from queueing.notifications.texts import local_time, render
from queueing.outbox.plan import choose_channel
from queueing.settings import Settings
from queueing.sites.config import ConfigError

WINTER = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tue 10:00 in Helsinki
SUMMER = datetime(2027, 6, 1, 7, 0, tzinfo=UTC)  # Tue 10:00 in Helsinki


def settings(**values: object) -> Settings:
    base: dict[str, object] = {"database_url": "sqlite://", "redis_url": "redis://"}
    return Settings(secret_key="x", **{**base, **values})  # type: ignore[arg-type]


@pytest.mark.parametrize("moment", [WINTER, SUMMER])
def test_times_are_local_in_each_language(moment: datetime) -> None:
    tz = "Europe/Helsinki"
    day = moment.astimezone(ZoneInfo(tz)).day
    assert local_time(moment, tz, "fi") == f"ti {day}.{moment.month}.{moment.year} klo 10.00"
    assert local_time(moment, tz, "sv") == f"tis {day}.{moment.month}.{moment.year} kl. 10.00"
    month = moment.strftime("%b")
    assert local_time(moment, tz, "en") == f"Tue {day} {month} {moment.year} at 10:00"


def test_every_kind_has_a_text_in_every_language() -> None:
    context = {
        "service": "Kela", "when": "ti 1.12.2026 klo 10.00", "site": "Iso Omena",
        "code": "K7RM-2QXA", "qr_url": "https://x/qr", "early": 30, "number": "K017",
        "point": "Tiski 4", "ahead": 1, "feedback_url": "https://x/t/1#feedback",
    }  # fmt: skip
    kinds = ("confirmation", "rescheduled", "cancellation", "reminder-24h", "turn-near")
    for kind in (*kinds, "called", "day-closed", "thanks"):
        for language in ("fi", "sv", "en"):
            message = render(kind, language, context)
            assert message.subject and message.body and "{" not in message.body
    assert render("called", "fi", context).body == "K017, tule palvelupisteeseen Tiski 4."
    assert "1 asiakas" in render("turn-near", "fi", context).body
    assert render("thanks", "sv", context).body.endswith("https://x/t/1#feedback")


def test_the_sms_body_template_gets_json_strings() -> None:
    body = sms.body('{"to": {to}, "text": {text}, "ref": {reference}}', "+358 40", 'Hei "x"', "k1")
    assert json.loads(body) == {"to": "+358 40", "text": 'Hei "x"', "ref": "k1"}
    headers = sms.headers(settings(sms_auth_header="Authorization: Bearer t"), "k1")
    assert headers["Authorization"] == "Bearer t" and headers["Idempotency-Key"] == "k1"


def test_channel_choice_follows_the_kind_and_what_is_configured() -> None:
    both = settings(smtp_host="mail", sms_url="http://sms")
    assert choose_channel("confirmation", "+358", "a@b.fi", both) == ("email", "a@b.fi")
    assert choose_channel("reminder-2h", "+358", "a@b.fi", both) == ("sms", "+358")
    assert choose_channel("called", None, "a@b.fi", both) == ("email", "a@b.fi")
    assert choose_channel("called", "+358", None, settings(smtp_host="mail")) is None


def test_the_appointments_file_names_the_bad_field() -> None:
    with pytest.raises(ConfigError, match="weekly"):
        appointments_config.loads("site: x\nservices:\n  a: {weekly: {someday: [09:00-10:00]}}\n")
    with pytest.raises(ConfigError, match="capacity"):
        appointments_config.loads("site: x\nservices:\n  a: {capacity: 0}\n")
    with pytest.raises(ConfigError, match="colour"):
        appointments_config.loads("site: x\ncolour: blue\n")
    config = appointments_config.load(appointments_config.DEMO_APPOINTMENTS)
    assert config.services["kela-appointment"].capacity == 2


def test_a_two_letter_number_is_sent_whole_in_every_language() -> None:
    context = {"number": "RK003", "point": "Huone 25", "ahead": 2, "site": "Iso Omena",
               "feedback_url": "https://x/t/1#feedback"}  # fmt: skip
    for language in ("fi", "sv", "en"):
        for kind in ("called", "turn-near", "thanks"):
            message = render(kind, language, context)
            assert "RK003" in f"{message.subject} {message.body}", (kind, language)
    assert render("called", "fi", context).body == "RK003, tule palvelupisteeseen Huone 25."


@pytest.mark.parametrize("language", ["fi", "sv", "en", "ru", "et", "ar", "so"])
def test_every_booking_message_carries_the_manage_link(language: str) -> None:
    url = "https://palvelu.example/bookings/1?code=K7RM2QXA&lang=" + language
    context = {
        "service": "Kela", "when": "x", "site": "Iso Omena", "code": "K7RM-2QXA",
        "qr_url": "https://x/qr", "early": 30, "manage_url": url,
    }  # fmt: skip
    for kind in ("confirmation", "rescheduled", "reminder-24h", "cancellation"):
        body = render(kind, language, context).body
        assert body.endswith(url) and "{" not in body, (kind, language)
    called = {"number": "K017", "point": "Tiski 4", "site": "x", "manage_url": url}
    assert url not in render("called", language, called).body

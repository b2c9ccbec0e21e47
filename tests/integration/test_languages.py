"""Languages beyond three through the API and the pages: the site's list, tickets in a listed
language only, a Somali customer's SMS in Somali, and `<html lang dir>` on the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import token_for
from tests.integration.messaging_support import Workers, app_client, overrides, providers
from tests.support.messaging import SmsGateway, SmtpServer, wait_for

Client = AsyncTestClient[Any]
SITE = "iso-omena"
SEVEN = ["fi", "sv", "en", "ru", "et", "ar", "so"]


async def test_a_site_lists_its_languages_and_names_itself_in_each(client: Client) -> None:
    detail = (await client.get(f"/api/sites/{SITE}")).json()
    assert detail["languages"] == SEVEN
    somali = (await client.get(f"/api/sites/{SITE}", params={"lang": "so"})).json()
    assert somali["name"] == "Xarunta Adeegga Espoo ee Iso Omena"
    refused = await client.get(f"/api/sites/{SITE}", params={"lang": "not a tag"})
    assert refused.status_code == 422 and "lang" in refused.text


async def test_a_ticket_takes_only_a_language_the_site_lists(client: Client) -> None:
    url = f"/api/sites/{SITE}/tickets"
    somali = await client.post(url, json={"service": "kela-benefits", "language": "so"})
    assert somali.status_code == 201, somali.text
    assert (await client.get(f"/api/tickets/{somali.json()['id']}")).json()["language"] == "so"
    unlisted = await client.post(url, json={"service": "kela-benefits", "language": "de"})
    assert unlisted.status_code == 422 and unlisted.json()["field"] == "language"
    assert "de" in unlisted.json()["detail"]
    malformed = await client.post(url, json={"service": "kela-benefits", "language": "EN_gb"})
    assert malformed.status_code == 422 and "language" in malformed.text


async def test_a_ticket_without_a_language_is_in_the_sites_first(client: Client) -> None:
    url = f"/api/sites/{SITE}/tickets"
    created = await client.post(url, json={"service": "kela-benefits"})
    assert (await client.get(f"/api/tickets/{created.json()['id']}")).json()["language"] == "fi"


@pytest.mark.parametrize(
    ("lang", "direction", "welcome"),
    [("ar", "rtl", "أهلًا وسهلًا"), ("so", "ltr", "Soo dhawoow"), ("ru", "ltr", "Добро пожаловать")],
)
async def test_the_kiosk_page_sets_lang_and_dir_and_names_languages_in_themselves(
    client: Client, lang: str, direction: str, welcome: str
) -> None:
    html = (await client.get(f"/sites/{SITE}/kiosk", params={"lang": lang})).text
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert f'<span lang="{lang}" dir="auto">{welcome}</span>' in html
    buttons = re.findall(r'class="lang-button" data-lang="([\w-]+)"[^>]*>([^<]+)<', html)
    assert dict(buttons) == {
        "fi": "Suomi", "sv": "Svenska", "en": "English", "ru": "Русский", "et": "Eesti",
        "ar": "العربية", "so": "Soomaali",
    }  # fmt: skip


async def test_the_mobile_ticket_page_is_right_to_left_in_arabic(client: Client) -> None:
    url = f"/api/sites/{SITE}/tickets"
    created = (await client.post(url, json={"service": "kela-benefits", "language": "ar"})).json()
    html = (await client.get(f"/t/{created['id']}")).text
    assert '<html lang="ar" dir="rtl">' in html and "رقمك" in html
    assert '<html lang="so" dir="ltr">' in (await client.get(f"/t/{created['id']}?lang=so")).text


async def test_an_error_page_is_in_the_asked_language_and_direction(client: Client) -> None:
    response = await client.get("/sites/no-such-site/kiosk", params={"lang": "ar"})
    assert response.status_code == 404
    assert '<html lang="ar" dir="rtl">' in response.text and "تعذّر عرض الصفحة" in response.text


@pytest.fixture
def channels() -> Iterator[tuple[SmtpServer, SmsGateway]]:
    with providers() as pair:
        yield pair


@pytest.fixture
def workers(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(database_url, redis_url, tmp_path)
    yield started
    started.stop_all()


async def test_a_ticket_issued_in_somali_gets_its_sms_in_somali(
    database_url: str, redis_url: str, channels: tuple[SmtpServer, SmsGateway], workers: Workers
) -> None:
    smtp, sms = channels
    settings = overrides(smtp, sms)
    worker = workers.start(settings)
    async with app_client(database_url, redis_url, settings) as client:
        staff = await token_for(client)
        url = f"/api/sites/{SITE}/tickets"
        for _ in range(3):
            assert (await client.post(url, json={"service": "kela-benefits"})).status_code == 201
        body = {
            "service": "kela-benefits", "language": "so",
            "contact": {"phone": "+358407654321"}, "notify_at_position": 3,
        }  # fmt: skip
        number = (await client.post(url, json=body)).json()["number"]
        call = f"/api/sites/{SITE}/service-points/counter-4/call-next"
        assert (await client.post(call, headers=staff)).status_code == 200
        await wait_for(lambda: sms.texts(), 30, "turn-near SMS", worker)
    assert sms.texts() == [
        f"Kaalintaada lambarka {number} way soo dhowdahay: 2 qof ayaa kaa horreeya. Fadlan u "
        "imow qolka sugitaanka, Xarunta Adeegga Espoo ee Iso Omena."
    ]

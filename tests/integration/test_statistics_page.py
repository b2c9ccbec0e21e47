"""The statistics page: its own sign-in, the figures for managers and admins, CSV links."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.integration.test_statistics import DAY, play
from tests.support import stack

PAGE = "/sites/iso-omena/statistics/"
Client = AsyncTestClient[Any]


async def sign_in(client: Client, username: str) -> Any:
    body = {"username": username, "password": stack.PASSWORD}
    return await client.post(f"{PAGE}login", data=body, follow_redirects=False)


async def test_an_admin_signs_in_and_sees_tables_charts_and_csv_links(
    client: Client, admin: dict[str, str]
) -> None:
    await play(client, admin)
    assert "username" in (await client.get(PAGE)).text  # the sign-in form first
    signed = await sign_in(client, "admin")
    assert signed.status_code == 303 and "queueing_manager" in signed.headers["set-cookie"]
    assert (
        "HttpOnly" in signed.headers["set-cookie"]
        and "samesite=strict" in signed.headers["set-cookie"].lower()
    )
    page = await client.get(PAGE, params={"from": DAY, "to": DAY, "lang": "en"})
    assert page.status_code == 200, page.text
    html = page.text
    assert '<th scope="row">Kela benefits advice</th>' in html
    assert html.count("<svg") == 3 and html.count("<title id=") == 3
    assert 'id="total-tickets">6<' in html
    assert "format=csv&table=flows" in html.replace("&amp;", "&")
    csv = await client.get(PAGE, params={"from": DAY, "to": DAY, "format": "csv", "table": "flows"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "kela,citizen-services,True,1" in csv.text


async def test_a_staff_member_signed_in_is_refused_the_figures(client: Client) -> None:
    assert (await sign_in(client, "staff")).status_code == 303
    page = await client.get(PAGE, params={"from": DAY, "to": DAY})
    assert page.status_code == 403
    assert "Kela benefits advice" not in page.text and "total-tickets" not in page.text


async def test_a_wrong_password_is_the_form_again_with_401(client: Client) -> None:
    response = await client.post(f"{PAGE}login", data={"username": "admin", "password": "nope"})
    assert response.status_code == 401 and 'aria-invalid="true"' in response.text

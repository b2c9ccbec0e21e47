"""Languages beyond three: complete catalogues, CLDR plural forms, BCP 47 tags, fallbacks."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import msgspec
import pytest

from displays import catalogs
from queueing.domain.languages import NotASiteLanguage, site_language
from queueing.notifications.texts import BODIES, SUBJECTS, ahead_text, local_time, render
from queueing.sites.config import ConfigError, SiteConfig, loads

ENGLISH = json.loads((catalogs.HERE / "en.json").read_text(encoding="utf-8"))
CUSTOMER_KEYS = {k for k in ENGLISH if not k.startswith(catalogs.STAFF_PREFIXES)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("language", catalogs.SHIPPED)
def test_every_shipped_catalogue_has_every_customer_facing_key(language: str) -> None:
    keys = {key.split("#")[0] for key in catalogs.catalog(language)}
    assert CUSTOMER_KEYS - keys == set(), f"{language}.json lacks these keys"
    assert all(catalogs.catalog(language)[key].strip() for key in CUSTOMER_KEYS)


@pytest.mark.parametrize("language", catalogs.STAFF_LANGUAGES)
def test_staff_catalogues_have_every_key(language: str) -> None:
    assert set(ENGLISH) - set(catalogs.catalog(language)) == set()


@pytest.mark.parametrize("language", catalogs.SHIPPED)
def test_a_translation_uses_no_placeholder_the_english_text_lacks(language: str) -> None:
    for key, value in catalogs.catalog(language).items():
        english = ENGLISH[key.split("#")[0]]
        assert set(PLACEHOLDER.findall(value)) <= set(PLACEHOLDER.findall(english)), key


@pytest.mark.parametrize("language", catalogs.SHIPPED)
def test_every_plural_form_is_a_cldr_category_of_its_language(language: str) -> None:
    categories = {"zero", "one", "two", "few", "many", "other"}
    for key in catalogs.catalog(language):
        if "#" in key:
            assert key.split("#")[1] in categories, key


def test_russian_plurals_follow_cldr_through_babel() -> None:
    assert [catalogs.plural_form("ru", n) for n in (1, 2, 5, 21, 22, 11)] == [
        "one", "few", "many", "one", "few", "many",
    ]  # fmt: skip
    assert catalogs.text("ru", "ticket.ahead", n=1) == "Перед вами 1 человек"
    assert catalogs.text("ru", "ticket.ahead", n=3) == "Перед вами 3 человека"
    assert catalogs.text("ru", "ticket.ahead", n=11) == "Перед вами 11 человек"
    assert ahead_text("ru", 22) == "перед вами 22 человека"


def test_arabic_has_six_plural_forms_and_uses_them() -> None:
    forms = [catalogs.plural_form("ar", n) for n in (0, 1, 2, 3, 11, 100)]
    assert forms == ["zero", "one", "two", "few", "many", "other"]
    texts = {catalogs.text("ar", "ticket.ahead", n=n) for n in (0, 1, 2, 3, 11, 100)}
    assert len(texts) == 6
    assert catalogs.text("ar", "ticket.ahead", n=2) == "أمامك شخصان"
    assert catalogs.text("ar", "about_minutes", n=5) == "حوالي 5 دقائق"


@pytest.mark.parametrize("tag", ["fi", "sv-FI", "so", "ar", "sr-Latn-RS", "es-419", "de-CH-1996"])
def test_site_languages_accept_bcp_47_tags(tag: str) -> None:
    config = msgspec.convert({"slug": "x", "name": {"fi": "X"}, "languages": [tag]}, SiteConfig)
    assert config.languages == [tag]


@pytest.mark.parametrize("tag", ["EN", "en_GB", "english", "f", "fi-", "fi-F", "", "fi fi"])
def test_site_languages_refuse_what_is_not_a_bcp_47_tag(tag: str) -> None:
    with pytest.raises(ConfigError, match="languages"):
        loads(f"slug: x\nname: {{fi: X}}\nlanguages: ['{tag}']\n")


def test_a_site_lists_a_language_once_and_at_least_one() -> None:
    with pytest.raises(ConfigError, match="languages"):
        loads("slug: x\nname: {fi: X}\nlanguages: [fi, so, fi]\n")
    with pytest.raises(ConfigError, match="languages"):
        loads("slug: x\nname: {fi: X}\nlanguages: []\n")
    assert loads("slug: x\nname: {fi: X}\n").languages == ["fi", "sv", "en"]


def test_a_ticket_language_is_one_the_site_lists_else_its_first() -> None:
    assert site_language(["sv", "fi", "so"], None) == "sv"
    assert site_language(["sv", "fi", "so"], "so") == "so"
    with pytest.raises(NotASiteLanguage, match="'de'"):
        site_language(["sv", "fi", "so"], "de")


def test_a_missing_text_falls_back_to_the_sites_first_language_and_says_which() -> None:
    assert catalogs.text_in("de", "kiosk.welcome", first="sv") == ("Välkommen", "sv")
    assert catalogs.text_in("so", "staff.call_next", first="en") == ("Call next", "en")
    assert catalogs.text_in("so", "kiosk.welcome", first="en") == ("Soo dhawoow", "so")
    assert catalogs.text_in("sv-FI", "kiosk.welcome", first="fi") == ("Välkommen", "sv-FI")


def test_a_placeholder_may_share_a_name_with_a_parameter() -> None:
    assert catalogs.text("en", "stats.staffing_range", "fi", first="1 Dec", last="7 Dec") == (
        "For an average day of 1 Dec – 7 Dec."
    )


def test_direction_and_own_names_come_from_babel() -> None:
    assert [catalogs.direction(x) for x in ("ar", "fa", "he", "ur")] == ["rtl"] * 4
    assert [catalogs.direction(x) for x in ("fi", "so", "ru", "et", "sr-Latn-RS")] == ["ltr"] * 5
    assert catalogs.own_name("ar") == "العربية" and catalogs.own_name("so") == "Soomaali"
    assert catalogs.own_name("de") == "Deutsch"  # a language without a catalogue of ours


@pytest.mark.parametrize("language", catalogs.SHIPPED)
def test_every_message_has_a_text_in_every_shipped_language(language: str) -> None:
    for table in (SUBJECTS, BODIES):
        for kind, texts in table.items():
            assert texts.get(language), (kind, language)
    context = {
        "service": "Kela", "when": "x", "site": "Iso Omena", "code": "K7RM-2QXA",
        "qr_url": "https://x/qr", "early": 30, "number": "K017", "point": "Tiski 4",
        "ahead": 2, "feedback_url": "https://x/t/1#feedback",
    }  # fmt: skip
    for kind in SUBJECTS:
        message = render(kind, language, context)
        assert "{" not in message.subject + message.body


def test_message_times_beyond_three_languages_use_cldr_formats_in_the_sites_zone() -> None:
    moment = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 10:00 in Helsinki
    # CLDR keeps "2026 г." together with a narrow no-break space.
    assert local_time(moment, "Europe/Helsinki", "ru") == "вт, 1 дек. 2026\u202fг., 10:00"
    assert local_time(moment, "Europe/Helsinki", "ar") == "الثلاثاء، 1 ديسمبر 2026، 10:00"
    assert "10:00" in local_time(moment, "Europe/Helsinki", "so")
    assert "detsember" in local_time(moment, "Europe/Helsinki", "et")

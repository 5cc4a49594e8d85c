"""The pure functions of plugins/production: what counts as a placeholder, the settings file."""

from __future__ import annotations

import pytest

from plugins.production.placeholders import example_addresses, legal_findings, placeholder_notes, set_values
from plugins.production.settings import DEMO, SettingsError, cms_backend, fill_tokens, read_settings
from tests.production.real_site import SETTINGS


def test_example_addresses_are_found_and_real_ones_are_not():
    text = ("Mail an soists@region-stuttgart.example, info@example.org oder team@example-stadt.de; "
            "https://so-ist-s.example/ und www.example.com. Echt: info@region-stuttgart.de, "
            "https://www.wrs.region-stuttgart.de/ und counterexample.de")
    assert example_addresses(text) == ["soists@region-stuttgart.example", "info@example.org",
                                       "team@example-stadt.de", "so-ist-s.example", "www.example.com"]


def test_set_values_and_placeholder_notes():
    assert set_values('"app_id": "set-SOISTS_CMS_APP_ID", x: set-SOISTS_CMS_APP_ID') == ["set-SOISTS_CMS_APP_ID"]
    assert placeholder_notes("<p>Das Video kommt. Bis dahin ein <b>Platzhalter</b>.</p>") == ["Bis dahin ein Platzhalter"]
    assert placeholder_notes("Ein Hashtag ist ein Wort mit dem Zeichen # davor.") == []


def test_the_test_settings_file_is_complete_and_the_demo_is_not():
    assert legal_findings(read_settings(SETTINGS)) == []
    assert {field for field, _value, _expected in legal_findings(DEMO)} == {
        "operator.representatives", "operator.register_number", "operator.vat_id", "operator.email",
        "operator.phone", "contact.campaign", "contact.privacy", "contact.accessibility", "responsible.name"}


def test_wrong_forms_are_named_with_what_is_expected():
    site = read_settings(SETTINGS)
    site["operator"].update(vat_id="123", postcode="7017", register_number="12345")
    found = {field: expected for field, _value, expected in legal_findings(site)}
    assert set(found) == {"operator.vat_id", "operator.postcode", "operator.register_number"}
    assert "DE123456789" in found["operator.vat_id"] and "HRB 12345" in found["operator.register_number"]


def test_unknown_keys_and_bad_toml_are_refused_naming_the_file(tmp_path):
    typo = tmp_path / "site.toml"
    typo.write_text('[operator]\nvat = "DE812345678"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"site.toml: unknown setting\(s\) operator.vat;"):
        read_settings(typo)
    typo.write_text("[operator\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="site.toml: not valid TOML"):
        read_settings(typo)
    with pytest.raises(SettingsError, match="cannot read the file"):
        read_settings(tmp_path / "missing.toml")


def test_tokens_become_values_and_mail_links():
    site = read_settings(SETTINGS)
    html = "<p>[[contact.privacy]] · [[operator.address]] · [[responsible.name]] · [[contact.nope]]</p>"
    assert fill_tokens(html, site) == (
        '<p><a href="mailto:datenschutz@region-stuttgart.de">datenschutz@region-stuttgart.de</a> · '
        "Friedrichstraße 10, 70174 Stuttgart · Jana Testerle · [[contact.nope]]</p>")
    assert fill_tokens("[[operator.name]]", {**site, "operator": {**site["operator"], "name": "A & <B>"}}) == "A &amp; &lt;B&gt;"


def test_cms_values_from_the_settings_file_override_the_environment():
    default = {"name": "gitlab", "repo": "wrs/so-ist-s", "app_id": "set-SOISTS_CMS_APP_ID",
               "base_url": "https://git.region-stuttgart.example", "api_root": "https://git.region-stuttgart.example/api/v4"}
    backend = cms_backend(read_settings(SETTINGS), default)
    assert backend == {**default, "app_id": "3f1c0a9e5b7d4e21", "base_url": "https://git.region-stuttgart.de",
                       "api_root": "https://git.region-stuttgart.de/api/v4"}
    assert cms_backend(DEMO, default) is None

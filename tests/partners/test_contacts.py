"""The municipalities' contacts file: validated like the registry, never on the public site."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.partners.contacts import DEFAULT_PATH, ContactsError, contacts_by_ags, load_contacts

HEADER = "ags,name,email,opt_out,calendar_url\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "kommunen-kontakte.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_the_demo_contacts_load_with_their_municipalities():
    contacts = load_contacts(DEFAULT_PATH)
    assert len(contacts) == 9
    by_ags = contacts_by_ags(contacts)
    assert by_ags["08111000"][0].municipality.name == "Stuttgart"
    assert [c.municipality.name for c in contacts if c.opt_out] == ["Beuren"]
    assert {c.municipality.name: c.website for c in contacts if c.website} == {
        "Waiblingen": "https://www.waiblingen-stadt.example/"}  # mails at waiblingen.example, website elsewhere


def test_the_website_column_is_optional_and_checked(tmp_path):
    path = tmp_path / "kommunen-kontakte.csv"
    path.write_text(
        "ags,name,email,opt_out,calendar_url,website\n"
        "08111000,Presse,presse@stuttgart.example,,,https://www.stuttgart.example/\n"
        "08115001,Amt,amt@aidlingen.example,,,\n"
        "08115045,Presse,presse@sindelfingen.example,,,www.sindelfingen.example\n"  # no scheme
        "08116056,Presse,presse@plochingen.example,,,ftp://plochingen.example/\n"
        "08119079,Presse,presse@waiblingen.example,,,https://\n", encoding="utf-8")  # no host
    with pytest.raises(ContactsError) as caught:
        load_contacts(path)
    lines = str(caught.value).splitlines()
    assert [line.split(": field ")[0].rsplit(":", 1)[1] for line in lines] == ["4", "5", "6"]
    assert all("field 'website'" in line and "expected an http(s) address" in line for line in lines)
    path.write_text("\n".join(path.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    first, second = load_contacts(path)
    assert (first.website, second.website) == ("https://www.stuttgart.example/", None)


def test_every_problem_is_named_with_line_and_field(tmp_path):
    path = write(
        tmp_path,
        "08111000,Presse,presse@stuttgart.example,,\n"
        "0811100,Presse,a@b.example,,\n"  # 7 digits
        "08999999,Presse,a@b.example,,\n"  # not in the region
        "08115001,Amt,Amt <amt@aidlingen.example>,,\n"
        "08115045,Presse,presse@sindelfingen.example,vielleicht,\n"
        "08116056,Presse,presse@plochingen.example,,ftp://plochingen.example/k.ics\n"
        "08111000,Zweite,PRESSE@stuttgart.example,,\n",
    )
    with pytest.raises(ContactsError) as caught:
        load_contacts(path)
    lines = str(caught.value).splitlines()
    assert [line.split(": field ")[0].rsplit(":", 1)[1] for line in lines] == ["3", "4", "5", "6", "7", "8"]
    fields = [line.split("field '")[1].split("'")[0] for line in lines]
    assert fields == ["ags", "ags", "email", "opt_out", "calendar_url", "email"]
    assert "no municipality of the Region Stuttgart" in lines[1]
    assert "listed twice" in lines[5]


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "k.csv"
    path.write_text("ags,name\n08111000,Presse\n", encoding="utf-8")
    with pytest.raises(ContactsError, match="field 'email': column is missing"):
        load_contacts(path)


def test_no_contact_data_reaches_the_public_site(demo_site):
    contacts = load_contacts(DEFAULT_PATH)
    assert not list(demo_site.rglob("kommunen-kontakte*"))
    for path in demo_site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".xml", ".json", ".csv", ".ics", ".txt", ".js"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            for contact in contacts:
                assert contact.email not in text, f"{contact.email} in {path}"

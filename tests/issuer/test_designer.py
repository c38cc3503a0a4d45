"""The micro-credential designer: a form with a field per EU element, in several languages,
with problems shown next to their field in words, a preview, and versions kept."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx

from tests.issuer.conftest import RunningIssuer
from tests.issuer.test_pages import page, post_form, sign_in

NEW = "/admin/achievements/new"


def designer_data(**changes: Any) -> dict[str, Any]:
    """A complete micro-credential as the designer's fields, in English and German."""
    data: dict[str, Any] = {
        "organisation": "demo",
        "languages": ["en", "de"],
        "title.en": "Open Data in Practice",
        "title.de": "Offene Daten in der Praxis",
        "description.en": "Publishing public data sets that others can reuse.",
        "description.de": "Öffentliche Datensätze so veröffentlichen, dass andere sie nutzen.",
        "outcome.0.en": "Publish a data set with a licence and metadata.",
        "outcome.0.de": "Einen Datensatz mit Lizenz und Metadaten veröffentlichen.",
        "outcome.1.en": "Explain the FAIR principles.",
        "ects": "3",
        "workload_hours": "75",
        "eqf_level": "6",
        "field_of_study": "061",
        "assessment_type.en": "Portfolio, graded by one examiner",
        "participation": "online",
        "supervision": "supervised_with_id_verification",
        "quality_assurance.en": "Internal quality assurance under the accredited QA system",
        "prerequisites.en": "None",
        "integration": "integrated",
        "programme.0.name.en": "Certificate in Data Stewardship",
        "programme.0.url": "https://uni.example/programmes/data-stewardship",
        "skill.0.uri": "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742",
        "skill.0.label.en": "SQL",
        "skill.0.label.de": "SQL",
        "grading_name.en": "Pass or fail",
        "grading_result_type": "Result",
        "grading_values": "Fail, Pass",
        "grading_required": "Pass",
        "action": "save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def error_next_to(html: str, name: str) -> str:
    """The problem shown under the input ``name`` (its id is e-<name>), as text."""
    match = re.search(
        rf'<p class="field-error" id="e-{re.escape(name)}">(.*?)</p>', html, re.DOTALL
    )
    assert match, f"no problem shown next to {name}"
    field = re.search(rf'id="f-{re.escape(name)}"[^>]*>', html)
    assert field, f"no input {name}"
    assert 'aria-invalid="true"' in field.group(0), f"{name} is not marked invalid"
    assert f"e-{name}" in field.group(0), f"{name} does not point at its problem"
    return unescape(re.sub(r"<[^>]+>", "", match.group(1)))


async def create(issuer: RunningIssuer, **changes: Any) -> httpx.Response:
    return await post_form(issuer, NEW, data=designer_data(**changes))


async def test_a_micro_credential_is_made_in_two_languages_from_the_fields(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    form = await page(issuer, NEW)
    for label in ("Title of the micro-credential", "Learning outcomes", "EQF level"):
        assert label in form
    response = await create(issuer)
    assert response.status_code == 303, response.text
    achievement_id = response.headers["location"].rsplit("/", 1)[1]
    made = await issuer.client.get(f"/api/v1/achievements/{achievement_id}", headers=issuer.admin)
    entry = made.json()["entry"]
    assert entry["title"] == {"en": "Open Data in Practice", "de": "Offene Daten in der Praxis"}
    assert entry["language"] == "en"
    assert entry["learning_outcomes"] == [
        {
            "en": "Publish a data set with a licence and metadata.",
            "de": "Einen Datensatz mit Lizenz und Metadaten veröffentlichen.",
        },
        {"en": "Explain the FAIR principles."},
    ]
    assert (entry["ects"], entry["workload_hours"], entry["eqf_level"]) == ("3", "75", 6)
    assert entry["field_of_study"] == {
        "en": "Information and Communication Technologies",
        "de": "Informations- und Kommunikationstechnologien",
    }
    assert entry["stackability"]["integration"] == "integrated"
    assert entry["stackability"]["stackable_toward"][0]["name"] == {
        "en": "Certificate in Data Stewardship"
    }
    assert entry["skills"][0]["label"] == {"en": "SQL", "de": "SQL"}
    assert entry["grading"]["allowed_values"] == ["Fail", "Pass"]


async def test_a_problem_is_shown_next_to_its_field_in_words_and_nothing_is_saved(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    response = await create(
        issuer,
        **{"title.en": "", "outcome.1.en": None, "outcome.1.de": "Die FAIR-Prinzipien erklären."},
        eqf_level="",
        ects="five",
    )
    assert response.status_code == 400, response.text
    html = response.text
    assert error_next_to(html, "title.en") == (
        "Problem: Give the title of the micro-credential in English too: it is the default "
        "language, shown where a reader's language is missing."
    )
    assert "Give the learning outcome in English too" in error_next_to(html, "outcome.1.en")
    assert error_next_to(html, "eqf_level") == "Problem: Choose the EQF level, from 1 to 8."
    assert error_next_to(html, "ects") == (
        "Problem: Write the ECTS credits as a number, such as 5 or 2.5."
    )
    # The summary at the top links to each field; no internal path, no library text.
    assert '<a href="#f-title.en">' in html
    assert "Learning outcome 2: Give the learning outcome in English too" in unescape(html)
    for internal in ("title.translations", "Input should", "Value error", "validation"):
        assert internal not in html
    # What was typed stays.
    assert 'value="Offene Daten in der Praxis"' in html
    assert "Die FAIR-Prinzipien erklären." in html
    listed = await issuer.client.get("/api/v1/achievements", headers=issuer.admin)
    assert TITLE_EN not in [item["title"] for item in listed.json()]


TITLE_EN = "Open Data in Practice"


async def test_languages_and_rows_are_added_without_script(issuer: RunningIssuer) -> None:
    await sign_in(issuer)
    added = await post_form(
        issuer, NEW, data={"languages": ["en"], "new_language": "FR", "action": "add-language"}
    )
    assert added.status_code == 200, added.text
    assert 'name="title.fr"' in added.text
    assert 'lang="fr"' in added.text
    wrong = await post_form(
        issuer,
        NEW,
        data={"languages": ["en", "fr"], "new_language": "français", "action": "add-language"},
    )
    assert "Write a language code such as fr" in error_next_to(wrong.text, "new_language")

    rows = await post_form(
        issuer,
        NEW,
        data={"languages": ["en", "fr"], "outcome.0.en": "One", "action": "more-outcome"},
    )
    # The filled row, the two blank ones always offered, three more.
    assert 'name="outcome.5.fr"' in rows.text
    assert 'name="outcome.6.en"' not in rows.text
    assert ">One</textarea>" in rows.text

    removed = await post_form(
        issuer,
        NEW,
        data={
            "languages": ["en", "fr"],
            "title.fr": "Données ouvertes",
            "action": "remove-language:fr",
        },
    )
    assert 'name="title.fr"' not in removed.text
    assert 'name="title.en"' in removed.text


async def test_the_preview_shows_the_card_and_the_certificate_and_the_pdf_of_the_unsaved_form(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    shown = await create(issuer, action="preview")
    assert shown.status_code == 200, shown.text
    card = shown.text[shown.text.index('class="wallet-card"') :]
    assert "Open Data in Practice" in card
    assert "3 ECTS" in card
    assert "EQF 6" in card
    for element in ("Learning outcomes", "Notional workload (ECTS)", "Type of assessment"):
        assert element in shown.text
    assert "Sample Learner" in shown.text

    panel = await post_form(issuer, "/admin/achievements/preview", data=designer_data())
    assert panel.status_code == 200, panel.text
    assert "<html" not in panel.text  # the panel alone, for the script to swap in
    assert "Integrated, stackable towards another credential" in panel.text

    pdf = await post_form(issuer, "/admin/achievements/preview.pdf", data=designer_data())
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    not_yet = await post_form(
        issuer, "/admin/achievements/preview.pdf", data=designer_data(eqf_level="")
    )
    assert not_yet.status_code == 400
    assert "Choose the EQF level, from 1 to 8." in not_yet.text
    listed = await issuer.client.get("/api/v1/achievements", headers=issuer.admin)
    assert len(listed.json()) == 2  # previews save nothing


async def test_editing_makes_a_version_and_awards_keep_theirs(issuer: RunningIssuer) -> None:
    await sign_in(issuer)
    made = await create(issuer)
    path = made.headers["location"]
    achievement_id = path.rsplit("/", 1)[1]
    awarded = await issuer.client.post(
        "/api/v1/awards",
        headers=issuer.admin,
        json={"achievement_id": achievement_id, "name": "Maria Muster"},
    )
    assert awarded.status_code == 201, awarded.text

    form = await page(issuer, f"{path}/edit")
    assert 'value="Offene Daten in der Praxis"' in form  # pre-filled from version 1
    assert "Save as version 2" in form
    edited = await post_form(
        issuer, f"{path}/edit", data=designer_data(ects="4", **{"title.en": "Open Data"})
    )
    assert edited.status_code == 303, edited.text

    current = await issuer.client.get(
        f"/api/v1/achievements/{achievement_id}", headers=issuer.admin
    )
    assert current.json()["version"] == 2
    assert current.json()["entry"]["ects"] == "4"
    old = await page(issuer, f"{path}/versions/1")
    assert "Open Data in Practice" in old
    assert "You are looking at version 1" in old
    award = await issuer.client.get(
        f"/api/v1/awards/{awarded.json()['award_id']}", headers=issuer.admin
    )
    assert (award.json()["version"], award.json()["achievement_title"]) == (
        1,
        "Open Data in Practice",
    )


async def test_a_saved_entry_shows_again_in_the_form_as_it_was(issuer: RunningIssuer) -> None:
    """Every element of the demo entry survives a round trip through the designer."""
    await sign_in(issuer)
    listed = await issuer.client.get("/api/v1/achievements", headers=issuer.admin)
    achievement_id = listed.json()[0]["id"]
    before = (
        await issuer.client.get(f"/api/v1/achievements/{achievement_id}", headers=issuer.admin)
    ).json()["entry"]
    form = await page(issuer, f"/admin/achievements/{achievement_id}/edit")
    fields = dict(re.findall(r'<input id="f-[^"]+" name="([^"]+)"[^>]*value="([^"]*)"', form))
    fields.update(re.findall(r'name="([^"]+)"[^>]*>([^<]+)</textarea>', form))
    fields.update(
        re.findall(
            r'<select id="f-[^"]+" name="([^"]+)"[^>]*>'
            r'(?:(?!</select>).)*?<option value="([^"]*)" selected',
            form,
            re.DOTALL,
        )
    )
    data = {key: unescape(value) for key, value in fields.items()}
    saved = await post_form(
        issuer,
        f"/admin/achievements/{achievement_id}/edit",
        data={**data, "languages": ["en", "de"], "action": "save"},
    )
    assert saved.status_code == 303, saved.text
    after = (
        await issuer.client.get(f"/api/v1/achievements/{achievement_id}", headers=issuer.admin)
    ).json()
    assert after["version"] == 2
    assert {k: v for k, v in after["entry"].items() if k != "id"} == {
        k: v for k, v in before.items() if k != "id"
    }


async def test_the_json_page_stays_for_integrations_with_an_export(issuer: RunningIssuer) -> None:
    await sign_in(issuer)
    listed = await issuer.client.get("/api/v1/achievements", headers=issuer.admin)
    achievement_id = listed.json()[0]["id"]
    advanced = await page(issuer, f"/admin/achievements/{achievement_id}/edit/json")
    assert '<textarea id="entry" name="entry"' in advanced
    assert "Up to 100,000 characters" in advanced
    assert (await page(issuer, "/admin/achievements/new/json")).count('name="entry"') == 1
    exported = await issuer.client.get(f"/admin/achievements/{achievement_id}/entry.json")
    assert exported.status_code == 200, exported.text
    assert exported.json()["title"]["en"] == "Data Literacy for Public Administration"
    assert "id" not in exported.json()
    assert "attachment" in exported.headers["content-disposition"]


async def test_every_text_field_states_its_limit_and_the_server_holds_it(
    issuer: RunningIssuer,
) -> None:
    await sign_in(issuer)
    form = await page(issuer, NEW)
    inputs = re.findall(r"<(?:input|textarea)\b[^>]*>", form)
    texts = [tag for tag in inputs if 'type="hidden"' not in tag and "checkbox" not in tag]
    assert texts
    for tag in texts:
        assert "maxlength=" in tag, tag
    assert "Up to 200 characters in each language." in form  # the title's, stated

    too_long = await create(issuer, **{"title.de": "x" * 201})
    assert too_long.status_code == 400
    assert error_next_to(too_long.text, "title.de") == (
        "Problem: Title of the micro-credential may have at most 200 characters; this one has 201."
    )
    outcome = await create(issuer, **{"outcome.0.en": "y" * 10_000})
    assert "may have at most 500 characters; this one has 10,000" in error_next_to(
        outcome.text, "outcome.0.en"
    )

    achievement_id = (await issuer.client.get("/api/v1/achievements", headers=issuer.admin)).json()[
        0
    ]["id"]
    award_form = await page(issuer, f"/admin/achievements/{achievement_id}/award")
    assert "Up to 300 characters." in award_form
    named = await post_form(
        issuer, f"/admin/achievements/{achievement_id}/award", data={"name": "z" * 301}
    )
    assert named.status_code == 400
    assert "Learner&#39;s name may have at most 300 characters." in named.text
    assert "String should" not in named.text
    blank = await post_form(issuer, f"/admin/achievements/{achievement_id}/award", data={})
    assert "Learner&#39;s name is required." in blank.text

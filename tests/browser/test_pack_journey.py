"""In a real Chromium: an agency lead uploads evidence on a Buckinghamshire action; the Buckinghamshire
auditor downloads the evidence pack for that review, and the file they saved verifies, holding that
evidence with the SHA-256 it had when it was uploaded."""

from __future__ import annotations

import hashlib
import json
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_as
from tests.evidence import pdf
from tracker.packs.verify import verify_pack

pytestmark = pytest.mark.browser

BABY_K = "Serious Case Review re Baby K"
PDF = pdf("Referral audit, Baby K actions")  # a real PDF: uploads are parsed, not sniffed


def _lead_uploads_evidence(page, base_url: str) -> None:
    sign_in_as(page, base_url, "agency_lead")
    page.get_by_role("link", name="My agency's actions").click()
    page.locator("table.govuk-table tbody tr", has_text=BABY_K).first.get_by_role("link").click()
    page.get_by_role("link", name="Add evidence").click()
    page.get_by_label("Evidence of implementation (what was done)").check()
    page.get_by_label("Title").fill("Audit of referrals")
    page.get_by_label("Description").fill("Every referral from the last quarter was audited.")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("Upload files (optional)").set_input_files(
        files=[{"name": "Référral audit.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Save evidence").click()
    expect(page.get_by_text("Evidence added: Audit of referrals")).to_be_visible()


def test_auditor_downloads_an_evidence_pack_and_it_verifies(live_server, browser, tmp_path):
    lead = browser.new_context().new_page()
    _lead_uploads_evidence(lead, live_server)
    lead.context.close()

    context = browser.new_context(accept_downloads=True)
    auditor = context.new_page()
    sign_in_as(auditor, live_server, "auditor")
    auditor.get_by_role("link", name="Evidence packs").click()
    expect(auditor.get_by_role("heading", name="Evidence packs")).to_be_visible()

    # Forgetting the reason is explained, and nothing is downloaded.
    auditor.get_by_label("One review").check()
    auditor.get_by_label("Review", exact=True).select_option(label=BABY_K)
    auditor.get_by_role("button", name="Download the evidence pack").click()
    expect(auditor.get_by_text("There is a problem")).to_be_visible()
    auditor.get_by_role("link", name="Enter why you need this evidence pack").click()
    expect(auditor.get_by_label("Why you need this pack")).to_be_focused()

    auditor.get_by_label("One review").check()
    auditor.get_by_label("Review", exact=True).select_option(label=BABY_K)
    auditor.get_by_label("Why you need this pack").fill("Annual audit of the Baby K actions")
    with auditor.expect_download() as download_info:
        auditor.get_by_role("button", name="Download the evidence pack").click()
    download = download_info.value
    assert download.suggested_filename.startswith("evidence-pack-review-bucks-baby-k-made-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    context.close()

    report = verify_pack(saved)
    assert report.ok, report.problems
    with zipfile.ZipFile(saved) as pack:
        manifest = json.loads(pack.read("data/manifest.json"))
        [listed] = [f for action in manifest["actions"] for item in action["evidence"] for f in item["files"]]
        assert listed["name"] == "Référral audit.pdf" and listed["sha256"] == hashlib.sha256(PDF).hexdigest()
        assert pack.read(listed["path"]) == PDF
        assert manifest["made_by"] == "auditor@browser.invalid"
        assert manifest["reason"] == "Annual audit of the Baby K actions"

"""Every pack test stores its evidence files in its own temporary folder."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_storage(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_STORAGE_DIR", str(tmp_path / "storage"))

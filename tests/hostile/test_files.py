"""Every file the black-box run uploads (tests/hostile/files.py) is refused by the checks, in words."""

from __future__ import annotations

import io

import pytest

from tests.hostile.files import hostile_files
from tracker.evidence.filetypes import FileTypeRefused, inspect

SMALL = hostile_files(large=False)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_each_hostile_file_is_refused_with_a_reason(name):
    with pytest.raises(FileTypeRefused) as refusal:
        inspect(name, io.BytesIO(SMALL[name]))
    assert refusal.value.message.startswith("The selected")

"""Warnings for what looks like an NHS number or a date of birth in evidence."""

from __future__ import annotations

import pytest

from tracker.evidence.personal_data import dates_of_birth, is_nhs_number, nhs_numbers, warnings


def test_the_nhs_number_check_digit():
    assert is_nhs_number("9434765919")  # the NHS's own example of a valid number
    assert not is_nhs_number("9434765918")  # one digit wrong
    assert not is_nhs_number("1234567890")  # check digit would be 10: never valid


@pytest.mark.parametrize("text", ["NHS no 943 476 5919", "943-476-5919 seen in A&E", "ref9434765919"])
def test_nhs_numbers_found_in_text(text):
    assert len(nhs_numbers(text)) == 1


def test_ten_digit_numbers_failing_the_check_are_not_nhs_numbers():
    assert nhs_numbers("call 0123456788 or 12345678901") == []


@pytest.mark.parametrize(
    "text", ["DOB 03/04/2019", "date of birth: 3 April 2019", "born on 3rd April 2019", "Child A d.o.b. 2019-04-03"]
)
def test_dates_of_birth_found(text):
    assert dates_of_birth(text)


def test_ordinary_dates_are_not_dates_of_birth():
    assert dates_of_birth("Training held on 3 April 2024 for 40 staff") == []


def test_warnings_say_where():
    found = warnings(title="Audit", narrative="Child DOB 03/04/2019", file_names=["case 9434765919.pdf"])
    assert found == [
        "The description seems to hold a date of birth",
        "The file name “case 9434765919.pdf” seems to hold an NHS number",
    ]
    assert warnings(title="Audit", narrative="Training on 3 April 2024", file_names=["minutes.pdf"]) == []

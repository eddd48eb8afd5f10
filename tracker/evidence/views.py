"""Evidence pages: record, correct and download evidence (being built)."""

from flask import Blueprint

bp = Blueprint("evidence", __name__)

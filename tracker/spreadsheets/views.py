"""(being built)"""

from flask import Blueprint

bp = Blueprint("spreadsheets", __name__)

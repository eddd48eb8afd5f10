"""(being built)"""

from flask import Blueprint

bp = Blueprint("packs", __name__)

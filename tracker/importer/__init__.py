"""Bringing a new review in from its published report.

The report's text is extracted (``extract``), cleaned into numbered blocks (``blocks``), and the
rule-based proposers suggest its recommendations (``recommendations``) and the single-agency actions it
describes (``actions``). Nothing here writes to the database: a board member confirms the proposals and
``services`` creates the review through the seed loader's own functions.
"""

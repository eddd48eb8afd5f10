"""Reports: the re-checks list of a board among many is read from an index led by the review.

``ix_actions_status_recheck_due`` (status, re-check date, review; migration 0012) serves a scope holding most
actions, and the reminders, which look across every board. For one board among many, PostgreSQL read through
the whole range of signed-off actions due soon of every board for each of the board's reviews, testing the
review inside the index: with 1,000,000 actions over 150 boards, the list took 45 ms and its count in the
headline 25 ms, 2,073 buffers each (EXPLAIN (ANALYZE, BUFFERS); benchmarks/report_speed.py --boards 150). Led
by the review, each review's rows are one range: 3 ms and 0.3 ms.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:20:00

"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_actions_review_id_status_recheck_due", "actions", ["review_id", "status", "recheck_due"])


def downgrade():
    op.drop_index("ix_actions_review_id_status_recheck_due", table_name="actions")

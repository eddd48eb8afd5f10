"""Reports: indexes for the report "as at" a past date, and for its re-checks list.

Which actions changed since that day is read as two ranges (the periods begun since, the actions created
since) instead of a test of every action; each action unchanged since is joined to its open period with one
seek, where the covering period took two; the periods' values ride in the index by action, so that neither
reads a period's row. The re-checks list (signed off, re-check due soon) is counted from an index of its own
instead of each action's row. Chosen with EXPLAIN QUERY PLAN and EXPLAIN ANALYZE on a board of 50,000 actions
and 500,000 history entries (benchmarks/report_speed.py).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 13:30:00

"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PERIODS_BY_ACTION = ["action_id", "valid_to"]
VALUES = ["valid_from", "status", "due_date", "recheck_due", "owner"]


def upgrade():
    op.drop_index("ix_action_periods_action_id_valid_to", table_name="action_periods")
    op.create_index("ix_action_periods_action_id_valid_to", "action_periods", PERIODS_BY_ACTION + VALUES)
    op.create_index("ix_action_periods_valid_from", "action_periods", ["valid_from", "action_id"])
    op.create_index("ix_actions_created_at", "actions", ["created_at"])
    op.create_index("ix_actions_status_recheck_due", "actions", ["status", "recheck_due", "review_id"])


def downgrade():
    op.drop_index("ix_actions_status_recheck_due", table_name="actions")
    op.drop_index("ix_actions_created_at", table_name="actions")
    op.drop_index("ix_action_periods_valid_from", table_name="action_periods")
    op.drop_index("ix_action_periods_action_id_valid_to", table_name="action_periods")
    op.create_index("ix_action_periods_action_id_valid_to", "action_periods", PERIODS_BY_ACTION)

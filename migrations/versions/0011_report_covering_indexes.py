"""Reports: covering indexes for the board report's grouped counts (per recommendation, now with the owner
that makes an action "not planned"; per agency, in its GROUP BY order), for the count of unfinished
actions with no update, for the overdue list (read in due-date order, it stops after the rows shown),
and a partial index of the actions that carry a theme (most carry none: the report reads only the others). Chosen with EXPLAIN QUERY PLAN on a board of 50,000 actions
(benchmarks/report_speed.py): the two grouped scans went from a sort over a materialised copy of the
actions to reading one index each in order.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

GROUPS = ["review_id", "recommendation_id", "status", "due_date", "agency_id"]
THEMED = "CAST(themes AS TEXT) NOT IN ('[]', 'null')"


def upgrade():
    op.drop_index("ix_actions_report_groups", table_name="actions")
    op.create_index("ix_actions_report_groups", "actions", [*GROUPS, "owner_id"])
    op.create_index("ix_actions_agency_groups", "actions", ["agency_id", "status", "review_id", "due_date", "owner_id"])
    op.create_index("ix_actions_status_updated_at", "actions", ["status", "updated_at", "review_id"])
    op.create_index("ix_actions_due_date_status", "actions", ["due_date", "status", "review_id"])
    op.create_index(
        "ix_actions_themed",
        "actions",
        ["review_id"],
        sqlite_where=sa.text(THEMED),
        postgresql_where=sa.text(THEMED),
    )


def downgrade():
    op.drop_index("ix_actions_themed", table_name="actions")
    op.drop_index("ix_actions_due_date_status", table_name="actions")
    op.drop_index("ix_actions_status_updated_at", table_name="actions")
    op.drop_index("ix_actions_agency_groups", table_name="actions")
    op.drop_index("ix_actions_report_groups", table_name="actions")
    op.create_index("ix_actions_report_groups", "actions", GROUPS)

"""Performance: indexes for reports, the agency list and an object's history; action periods (the
timeline "as at" reports read), backfilled from the history.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_actions_report_groups",
        "actions",
        ["review_id", "recommendation_id", "status", "due_date", "agency_id"],
    )
    op.create_index("ix_actions_agency_id_id", "actions", ["agency_id", "id"])
    op.create_index("ix_history_object_type_object_id_id", "history", ["object_type", "object_id", "id"])
    op.create_table(
        "action_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("recheck_due", sa.Date(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("history_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["actions.id"], name=op.f("fk_action_periods_action_id_actions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["history_id"], ["history.id"], name=op.f("fk_action_periods_history_id_history"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_periods")),
    )
    op.create_index("ix_action_periods_action_id_valid_to", "action_periods", ["action_id", "valid_to"])
    _backfill()


def _backfill():
    """The periods of every existing action, derived from its history (tracker/timeline/periods.py holds
    the rules; a pure function of the entries, so it reads the same here as in the app)."""
    from tracker.timeline.periods import from_history

    bind = op.get_bind()
    meta = sa.MetaData()
    history = sa.Table("history", meta, autoload_with=bind)
    actions = sa.Table("actions", meta, autoload_with=bind)
    periods = sa.Table("action_periods", meta, autoload_with=bind)
    existing = set(bind.execute(sa.select(actions.c.id)).scalars())
    entries = bind.execute(
        sa.select(history.c.id, history.c.object_id, history.c.at, history.c.after)
        .where(history.c.object_type == "action", history.c.object_id.is_not(None))
        .order_by(history.c.id)
    )
    rows = [p for p in from_history(entries) if p["action_id"] in existing]
    for start in range(0, len(rows), 10_000):
        bind.execute(periods.insert(), rows[start : start + 10_000])


def downgrade():
    op.drop_index("ix_action_periods_action_id_valid_to", table_name="action_periods")
    op.drop_table("action_periods")
    op.drop_index("ix_history_object_type_object_id_id", table_name="history")
    op.drop_index("ix_actions_agency_id_id", table_name="actions")
    op.drop_index("ix_actions_report_groups", table_name="actions")

"""The timeline read by range: each period carries its action's place, and each action whether its row is
in step with its timeline.

- ``action_periods.review_id``, ``recommendation_id``, ``agency_id``: the action's place, copied into every
  period, so that the report "as at" a past date reads the periods of the actions changed since by two
  ranges of ``ix_action_periods_by_end`` (open and begun since; ended since and begun before) without
  reading each action.
- ``actions.timeline_version``: the version each action had when its timeline last recorded it. While the
  two are equal, the row stands as its open period says, so the report reads the rows of the actions
  unchanged since (the live report's own index-only count), and only the few out of step
  (``ix_actions_out_of_step``, almost always empty) action by action.

Backfilled from the actions, and by the rule the app applies after a rebuild: in step where the row agrees
with its open period (``timeline.periods.mark_in_step_where_they_agree``). The periods' index by start
(0012) and the actions' by creation time (0012) give way to the ranges above; the actions' by due date
carries their owner and agency, so that the ratings that moved with the days are read from it alone. Chosen with EXPLAIN QUERY PLAN
and EXPLAIN ANALYZE on a board of 50,000 actions (benchmarks/report_speed.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 17:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

OUT_OF_STEP = "timeline_version IS NULL OR timeline_version <> version"
DUE_DATE_STATUS = ["due_date", "status", "review_id"]
PLACE_AND_VALUES = [
    "review_id",
    "recommendation_id",
    "agency_id",
    "status",
    "due_date",
    "owner",
    "recheck_due",
    "action_id",
]


def upgrade():
    op.add_column("actions", sa.Column("timeline_version", sa.Integer(), nullable=True))
    op.create_index(
        "ix_actions_out_of_step",
        "actions",
        ["id"],
        sqlite_where=sa.text(OUT_OF_STEP),
        postgresql_where=sa.text(OUT_OF_STEP),
    )
    op.drop_index("ix_actions_created_at", table_name="actions")
    op.drop_index("ix_action_periods_valid_from", table_name="action_periods")
    with op.batch_alter_table("action_periods") as batch:
        batch.add_column(sa.Column("review_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("recommendation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_action_periods_review_id_reviews"), "reviews", ["review_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_foreign_key(
            op.f("fk_action_periods_recommendation_id_recommendations"),
            "recommendations",
            ["recommendation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(op.f("fk_action_periods_agency_id_agencies"), "agencies", ["agency_id"], ["id"])
    _backfill()
    with op.batch_alter_table("action_periods") as batch:  # every period has its action, so its place
        batch.alter_column("review_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("agency_id", existing_type=sa.Integer(), nullable=False)
    op.create_index("ix_action_periods_by_end", "action_periods", ["valid_to", "valid_from", *PLACE_AND_VALUES])
    op.drop_index("ix_actions_due_date_status", table_name="actions")
    op.create_index("ix_actions_due_date_status", "actions", [*DUE_DATE_STATUS, "owner_id", "agency_id"])


def _backfill():
    from tracker.timeline.periods import mark_in_step_where_they_agree

    bind = op.get_bind()
    meta = sa.MetaData()
    actions, periods, users = (
        sa.Table(name, meta, autoload_with=bind) for name in ("actions", "action_periods", "users")
    )
    bind.execute(
        periods.update()
        .where(periods.c.action_id == actions.c.id)
        .values(
            review_id=actions.c.review_id,
            recommendation_id=actions.c.recommendation_id,
            agency_id=actions.c.agency_id,
        )
    )
    mark_in_step_where_they_agree(bind, actions, periods, users)


def downgrade():
    op.drop_index("ix_actions_due_date_status", table_name="actions")
    op.create_index("ix_actions_due_date_status", "actions", DUE_DATE_STATUS)
    op.drop_index("ix_action_periods_by_end", table_name="action_periods")
    with op.batch_alter_table("action_periods") as batch:
        batch.drop_constraint(op.f("fk_action_periods_agency_id_agencies"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_action_periods_recommendation_id_recommendations"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_action_periods_review_id_reviews"), type_="foreignkey")
        batch.drop_column("agency_id")
        batch.drop_column("recommendation_id")
        batch.drop_column("review_id")
    op.create_index("ix_action_periods_valid_from", "action_periods", ["valid_from", "action_id"])
    op.create_index("ix_actions_created_at", "actions", ["created_at"])
    op.drop_index("ix_actions_out_of_step", table_name="actions")
    op.drop_column("actions", "timeline_version")

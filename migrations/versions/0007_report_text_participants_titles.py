"""Items in their report: actions linked to every recommendation they answer, joint actions, review
participants, action titles, and what each theme means.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:15:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "action_recommendations",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_action_recommendations_action_id_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name=op.f("fk_action_recommendations_recommendation_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("action_id", "recommendation_id", name=op.f("pk_action_recommendations")),
    )
    op.create_table(
        "review_participants",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agencies.id"],
            name=op.f("fk_review_participants_agency_id_agencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_participants_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "agency_id", name=op.f("pk_review_participants")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("joint_key", sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f("ix_actions_joint_key"), ["joint_key"], unique=False)
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sub_points_lead_in", sa.Text(), nullable=True))
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("broader_key", sa.String(length=60), nullable=True))

    # Actions already linked to a recommendation keep that link in the association.
    op.execute(
        "INSERT INTO action_recommendations (action_id, recommendation_id) "
        "SELECT id, recommendation_id FROM actions WHERE recommendation_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("themes", schema=None) as batch_op:
        batch_op.drop_column("broader_key")
        batch_op.drop_column("description")
    with op.batch_alter_table("recommendations", schema=None) as batch_op:
        batch_op.drop_column("sub_points_lead_in")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_joint_key"))
        batch_op.drop_column("joint_key")
        batch_op.drop_column("title")
    op.drop_table("review_participants")
    op.drop_table("action_recommendations")

"""Hostile input: the checks each evidence file passed, and which sign-in step a failure was at.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-02 05:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checks", sa.JSON(), nullable=True))
    with op.batch_alter_table("failed_sign_ins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step", sa.String(length=20), server_default="password", nullable=False))


def downgrade():
    with op.batch_alter_table("failed_sign_ins", schema=None) as batch_op:
        batch_op.drop_column("step")
    with op.batch_alter_table("evidence_files", schema=None) as batch_op:
        batch_op.drop_column("checks")

"""Outbox: count the mail server's set-up failures (refused connection or greeting, refused log-in, refused
sender) apart from the message's own attempts, so a misconfigured server never fails a message for good.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("server_failures", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("server_failures")

"""推荐排序: the reviewer's recommendation order of packets, appended like decisions (the newest wins).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rankings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("packet_id", sa.String(255), nullable=False, index=True),
        sa.Column("rank", sa.Integer),  # null: taken out of the order
        sa.Column("user", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rankings")

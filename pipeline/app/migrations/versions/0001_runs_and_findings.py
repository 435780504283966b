"""The store as it was before migrations: runs and their findings.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("packet_id", sa.String(255), nullable=False, index=True),
        sa.Column("packet_hash", sa.String(64), nullable=False, index=True),
        sa.Column("file_hashes", sa.JSON, nullable=False),
        sa.Column("ruleset_requested", sa.String(32), nullable=False),
        sa.Column("ruleset", sa.String(32)),
        sa.Column("code_version", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("infos", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("timings", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("output_dir", sa.Text),
        sa.Column("source_path", sa.Text),
        sa.Column("origin", sa.String(32), nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("code", sa.String(64), nullable=False, index=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("item", sa.Integer),
        sa.Column("field", sa.String(64)),
        sa.Column("message", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("findings")
    op.drop_table("runs")

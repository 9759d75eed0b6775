"""Knowledge: retire the first calcinosis cutis knowledge, ahead of the concept graph.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 19:00:00

Removes exactly the rows revision 0002 wrote (its frozen rows file, applied backwards), so that
the next revision can replace the tables they lived in; downgrading writes them back.
"""

from collections.abc import Sequence
from types import ModuleType

from alembic import context

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The data revision this one undoes.
UNDOES = "0002"


def _undone() -> ModuleType:
    module: ModuleType = context.script.get_revision(UNDOES).module
    return module


def upgrade() -> None:
    _undone().downgrade()


def downgrade() -> None:
    _undone().upgrade()

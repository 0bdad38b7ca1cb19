"""Running the mask statements written for PostgreSQL (the public booking and the inline voucher): through
``core.statements``, the one runner of prepared statements."""

from __future__ import annotations

from fangkong.core.statements import execute_prepared

__all__ = ["execute_prepared"]

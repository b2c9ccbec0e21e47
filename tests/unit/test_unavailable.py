"""A database that is away answers 503 (retry), not 500 (a bug); a real database error stays 500."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, OperationalError

from queueing.errors import _transient


def test_a_refused_connection_or_a_lost_one_is_transient() -> None:
    assert _transient(ConnectionRefusedError(111, "Connect call failed"))
    assert _transient(OperationalError("SELECT 1", {}, Exception("server closed the connection")))


def test_an_integrity_error_is_a_bug_not_an_outage() -> None:
    assert not _transient(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not _transient(ValueError("no"))

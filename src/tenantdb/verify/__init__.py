"""Verification: verify blocks and catalog integrity checks."""

from tenantdb.verify.checks import VerifyReport, Violation, verify

__all__ = ["VerifyReport", "Violation", "verify"]

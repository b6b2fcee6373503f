"""Verification: verify blocks and catalog integrity checks."""

from tenantdb.verify.checks import VerifyReport, Violation, run_checks, verify

__all__ = ["VerifyReport", "Violation", "run_checks", "verify"]

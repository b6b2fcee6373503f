"""Verification: verify blocks and catalog integrity checks."""

from tenantdb.verify.checks import run_checks, verify
from tenantdb.verify.model import VerifyReport, Violation

__all__ = ["VerifyReport", "Violation", "run_checks", "verify"]

"""The reporting currency: every amount of the rollups and reports is in it, converted with ``fx_rates``.

docs/business-metrics.md, "Currencies": an amount in another currency is converted with the latest rate of its pair
on or before its date; without one it is flagged and never summed.
"""

from __future__ import annotations

REPORTING_CURRENCY = "USD"

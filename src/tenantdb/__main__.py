"""``python -m tenantdb``."""

from tenantdb.cli.app import main

main()

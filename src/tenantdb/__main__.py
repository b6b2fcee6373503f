"""``python -m tenantdb``."""

from tenantdb.cli.startup import main

main()

"""Code every benchmark shares: the machine it ran on and the PostgreSQL server it ran against.

Benchmarks run as scripts (``python benchmarks/NAME/run.py``); each puts ``benchmarks/`` on ``sys.path`` first
and imports ``common.machine`` and ``common.pg``.
"""

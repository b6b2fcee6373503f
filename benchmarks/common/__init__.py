"""Code every benchmark shares: the machine it ran on, the PostgreSQL server it ran against, the options that
choose them, and the keys every results document starts with.

Benchmarks run as scripts (``python benchmarks/NAME/run.py``); each puts ``benchmarks/`` on ``sys.path`` first
and imports ``common.machine``, ``common.pg``, ``common.options`` and ``common.results``.
"""

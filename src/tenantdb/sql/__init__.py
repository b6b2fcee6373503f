"""SQL analysis with pglast: statement splitting, comments, transaction needs, placeholders."""

from tenantdb.sql.comments import Comment, is_blank, line_comments
from tenantdb.sql.destructive import Destruction, DestructionKind, destructions
from tenantdb.sql.placeholders import UndefinedPlaceholder, replace_placeholders
from tenantdb.sql.rewrite import Rewrite, online_rewrite, quote_identifier, rewrite_statements
from tenantdb.sql.statements import (
    ConcurrentIndexTarget,
    SqlSyntaxError,
    Statement,
    TransactionMode,
    closes_transaction,
    index_dropped_concurrently,
    line_of,
    opens_transaction,
    partition_detached_concurrently,
    resumes_at,
    split_statements,
)

__all__ = [
    "Comment",
    "ConcurrentIndexTarget",
    "Destruction",
    "DestructionKind",
    "Rewrite",
    "SqlSyntaxError",
    "Statement",
    "TransactionMode",
    "UndefinedPlaceholder",
    "closes_transaction",
    "destructions",
    "index_dropped_concurrently",
    "is_blank",
    "line_comments",
    "line_of",
    "online_rewrite",
    "opens_transaction",
    "partition_detached_concurrently",
    "quote_identifier",
    "replace_placeholders",
    "resumes_at",
    "rewrite_statements",
    "split_statements",
]

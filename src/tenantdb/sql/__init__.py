"""SQL analysis with pglast: statement splitting, comments, transaction needs, placeholders."""

from tenantdb.sql.comments import Comment, is_blank, line_comments
from tenantdb.sql.placeholders import UndefinedPlaceholder, replace_placeholders
from tenantdb.sql.rewrite import Rewrite, online_rewrite, rewrite_statements
from tenantdb.sql.statements import (
    ConcurrentIndexTarget,
    SqlSyntaxError,
    Statement,
    TransactionMode,
    line_of,
    split_statements,
)

__all__ = [
    "Comment",
    "ConcurrentIndexTarget",
    "Rewrite",
    "SqlSyntaxError",
    "Statement",
    "TransactionMode",
    "UndefinedPlaceholder",
    "is_blank",
    "line_comments",
    "line_of",
    "online_rewrite",
    "replace_placeholders",
    "rewrite_statements",
    "split_statements",
]

"""Loaded by scripts/schemathesis.sh (SCHEMATHESIS_HOOKS) before each run.

CPython 3.11 (seen with 3.11.7) now and then raises a spurious
``SystemError: AST constructor recursion depth mismatch`` from ``ast.parse``
on a large file. Hypothesis parses schemathesis' own source that way only to
describe a filter lambda in a strategy's repr, so such a run ended in a
"Runtime Error" that said nothing about the hub. The description falls back
to Hypothesis' own "unknown" form instead; nothing that is generated, sent
or checked changes.
"""

from hypothesis.internal import lambda_sources

_describe = lambda_sources._lambda_description


def _lambda_description(f):
    try:
        return _describe(f)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _lambda_description

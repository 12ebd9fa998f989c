"""The restriction engine: the canonical rule model, free-text parsers and the pure evaluator (no database, no web)."""

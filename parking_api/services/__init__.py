"""The API's orchestration: HTTP layer -> service -> repository (SQL) and the pure engine.

A service function takes validated, typed parameters and a database session, runs the repository's statements,
evaluates places with :mod:`parking_api.engine` and returns plain JSON-ready dicts. It knows nothing of Flask
requests or responses (caching headers are derived from what it returns).
"""

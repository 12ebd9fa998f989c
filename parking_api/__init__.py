"""Kerbside parking backend: the rules (``engine``), the store, the services and the Flask web service.

Importing this package imports nothing else, so the pure rule engine can be used without Flask or SQLAlchemy;
the app factory is ``parking_api.app.create_app``.
"""

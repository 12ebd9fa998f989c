"""The driver questions, one module each: ``can_i_park``, ``bays`` (bays near a point), ``bay`` (one bay and its
schedule), ``zones`` and ``sources``; ``context`` holds what every question shares and ``choice`` which answer
speaks when several places cover a point.

A service takes a :class:`~parking_api.services.context.Context` (or a session) and typed values, reads through
:mod:`parking_api.store.reads`, evaluates places with :mod:`parking_api.engine` and returns typed results (rows and
the engine's answers). It knows nothing of Flask or HTTP: the API presents the results and maps the domain errors
(:mod:`parking_api.errors`) to statuses.
"""

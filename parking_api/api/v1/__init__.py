"""Version 1 of the driver API."""

from flask_smorest import Api


def register(api: Api) -> None:
    """Register every v1 blueprint on the API (each module exposes ``blueprint``)."""
    from parking_api.api.v1 import endpoints, http, spec

    http.register_spec(api)
    # Our errors are problem details, documented per operation (see http.py), not flask-smorest's default schema.
    api.DEFAULT_ERROR_RESPONSE_NAME = None
    for blueprint in endpoints.BLUEPRINTS:
        api.register_blueprint(blueprint)
    spec.finish(api)  # operation ids, headers and responses as generators need them

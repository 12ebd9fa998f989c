"""The HTTP layer: blueprints that validate input, call the services and shape responses."""

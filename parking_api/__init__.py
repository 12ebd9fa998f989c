"""Kerbside parking backend: the Flask web service."""

from parking_api.app import create_app

__all__ = ["create_app"]

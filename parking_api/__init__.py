"""Kerbside parking backend: the Flask web service."""

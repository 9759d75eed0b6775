"""Condition Knowledge API: what a health article says about a condition, as typed data."""

from importlib.metadata import version

# The installed package's version: the API's version in /meta, /export and the OpenAPI document.
__version__ = version("condition-knowledge-api")

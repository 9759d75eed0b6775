"""Development tools, beside the served package: the OpenAPI contract and the curation commands.

Run from the project's root (`python -m tools.contract`, `python -m tools.curation`); they
import the app, never the other way round. The service (`app`, the only installed package)
imports nothing from here, nor from `migrations`: tests/test_packaging.py checks that.
"""

"""Shared fixtures. Fixture groups live in their own modules, loaded as plugins."""

pytest_plugins = ["helpers.catalogs", "helpers.media_fixtures", "helpers.recorders"]

"""Shared fixtures. Fixture groups live in their own modules, loaded as plugins."""

pytest_plugins = ["fixtures_catalog", "fixtures_media"]

"""The pytest plugin: ready-made migration tests and fixtures for an app's own test suite.

pytest loads :mod:`.plugin` through the ``pytest11`` entry point; it stays inert (no
fixture, no test, no import of the engine) until the suite names its app with the
``migrations_app`` ini setting or defines a ``migrations_app`` fixture in a ``conftest.py``.
Nothing here is imported by the package itself, so pytest is never needed at run time.
"""

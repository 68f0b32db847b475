"""Autogenerate: compare the models with the database, as operations, and render them.

:mod:`.compare` reads the database (through the catalog readers of :mod:`.reflect`) and
produces :mod:`.directives` made of the engine's operation objects; :mod:`.render` turns
them into the Python of a revision file; the downgrade is the reversed directives.
"""

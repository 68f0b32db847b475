"""The bundled revision engine.

It knows SQLAlchemy, Mako and the migrations folder, and never imports Flask or click, so it
can drive migrations from plain SQLAlchemy code.
"""

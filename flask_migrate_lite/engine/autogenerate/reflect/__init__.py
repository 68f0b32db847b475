"""The catalog readers: what the database has, in the shape SQLAlchemy's inspector gives it.

:mod:`.postgresql` and :mod:`.sqlite` read many tables in a few catalog queries; what they
cannot describe exactly as the inspector would is left to the inspector. :mod:`.facts` holds
what a reading found, keyed as the inspector's multi-table methods key it.
"""

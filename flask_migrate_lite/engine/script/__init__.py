"""engine/script of the revision engine."""

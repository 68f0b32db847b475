"""engine/runtime of the revision engine."""

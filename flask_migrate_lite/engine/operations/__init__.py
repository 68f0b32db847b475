"""engine/operations of the revision engine."""

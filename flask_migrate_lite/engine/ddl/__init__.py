"""engine/ddl of the revision engine."""

"""Squashing revisions: recording what a run of revisions does, reducing it, and writing it
as one revision (see the squash page of the documentation)."""

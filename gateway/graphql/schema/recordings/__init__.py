"""The recordings domain: list, read, start, stop and delete recordings."""

"""Migration revisions: 0001_initial, then one per part that adds tables."""

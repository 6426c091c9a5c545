"""Fuzzy intent matching: which intent a visitor's message asks about (see docs/matching.md)."""

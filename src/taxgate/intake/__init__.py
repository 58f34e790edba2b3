"""Intake: load a request, normalise it, and check each item for the statute's contents."""

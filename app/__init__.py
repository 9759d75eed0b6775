"""Condition Knowledge API: what a health article says about a condition, as typed data."""

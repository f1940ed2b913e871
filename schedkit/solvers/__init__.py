"""Exact and anytime methods, one subpackage per technique."""

"""Hybrids that combine CP-SAT with a local search (``auto``), one module per problem class."""

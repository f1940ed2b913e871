"""Specialised exact methods, one module per problem class (``<kind>_*`` for its parts)."""

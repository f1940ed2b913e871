"""Seeded random instance generators, one module per problem class."""

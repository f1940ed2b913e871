"""Dispatching / priority rules and schedule-generation schemes, one module per problem class."""

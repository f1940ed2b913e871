"""Dispatching / priority rules and schedule-generation schemes."""

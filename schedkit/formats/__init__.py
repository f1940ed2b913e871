"""Readers and writers, one module per file format (registered in ``schedkit.catalog``)."""

"""PuLP models (HiGHS by default, CBC when asked), one module per problem class."""

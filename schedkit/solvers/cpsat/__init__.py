"""OR-Tools CP-SAT models, one module per problem class."""

"""One module per problem class registering its formats, methods and generator."""

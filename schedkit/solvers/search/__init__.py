"""Local searches (tabu, iterated descent), one module per problem class.

``<kind>_kernel`` modules hold their compiled (numba) loops; :mod:`.graph` the disjunctive-graph
primitives the shop kernels share.
"""

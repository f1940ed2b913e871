"""Method-independent logic of a problem class that several methods share, one module per class.

Aggregation, dominance relations, sequencing of a final state into a plan: what a CP-SAT
model and a MIP (or a search) of the same class both build on. No solver is imported here.
"""

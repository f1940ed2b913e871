"""Local search on the disjunctive graph for job-shop and flexible job-shop (tabu search)."""

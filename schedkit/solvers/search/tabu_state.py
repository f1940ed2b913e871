"""Layout of the int64 state array that the compiled tabu searches carry between chunks."""

from __future__ import annotations

#: iteration counter, current and best makespan, iterations without improvement, restarts,
#: moves made, moves undone because they closed a cycle
S_ITER, S_CUR, S_BEST, S_STALL, S_RESTARTS, S_MOVES, S_CYCLES = range(7)
N_STATE = 7

"""Local search with the executed part frozen: method ``ls``.

The search state is what a schedule of the unstarted operations is made of: per machine the
sequence of its unfrozen operations, per operation its machine (flexible job-shop) and an
**anchor** bit. A builder decodes a state: operations in a topological order of the job chains
and machine sequences, each at the earliest start not before ``at`` and its job's release, its
job predecessor's end (frozen or not), its machine predecessor's end (the machine's frozen
operations first) and, when anchored, its old start, that overlaps none of the machine's busy
time (downtime, frozen operations running past ``at``) -- the semantics right-shift uses, so
the start state (right-shift's machines and sequences, every operation anchored) decodes to
exactly the right-shift schedule. A state whose sequences contradict the job order has no
decoding and is never taken.

Moves, on the critical chain of the decoded schedule (from the operation that ends last, or
from the last operation of a late job when due dates are given; each step back goes to the job
or machine predecessor that ends exactly at the operation's start): swaps of the first two and
of the last two operations of every block of consecutive chain operations on one machine
(N5-like), moves of a block's first operation behind its last and of its last before its first
(N7-like), for the flexible job-shop moves of a chain operation to another eligible machine
(inserted where its start falls in that machine's sequence), and anchor flips (a chain
operation held at its old start is released; a few random other operations are held or
released, which trades stability for makespan). Each iteration evaluates up to ``sample``
moves (seeded order) and takes the best one that is not tabu (a move undoing a recent one),
or a tabu one that beats the best found; after ``stall`` iterations without improvement the
search restarts from the best with a few random chain swaps. The objective is the one of
:mod:`~schedkit.rescheduling.objective` (makespan + weighted tardiness + stability weight x
measure). The search starts from the best of three states: right-shift's (decoding to the
right-shift schedule), the same sequences with every operation released (left-shifted), and the
schedule of the default dispatching rule of method ``rules`` (its per-machine order, released);
so its answer is never worse than right-shift's, nor than that rule's.

With a time limit the search runs until the deadline (:mod:`~schedkit.rescheduling.budget`);
without one it makes ``iterations`` iterations (option, default 300), so a seed gives one
answer. It stops early at the situation's makespan bound when that is the whole objective.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedkit.context import SolveContext
from schedkit.rescheduling import rules
from schedkit.rescheduling.budget import budget
from schedkit.rescheduling.objective import Goal, evaluate
from schedkit.rescheduling.rightshift import repair
from schedkit.rescheduling.situation import Situation, fit
from schedkit.result import Result, Status

DEFAULT_ITERATIONS = 300
DEFAULT_SAMPLE = 24
DEFAULT_STALL = 60
TENURE = (6, 14)


@dataclass
class State:
    """Machine sequences of the unfrozen operations, their machines and anchor bits."""

    seq: list[list[int]]
    machine: list[int]
    anchor: list[bool]

    def copy(self) -> State:
        return State([list(s) for s in self.seq], list(self.machine), list(self.anchor))


class Builder:
    """Decodes states of one situation into starts and scores them (see the module doc)."""

    def __init__(self, sit: Situation, goal: Goal):
        eff = sit.effective
        self.sit = sit
        self.n = n = eff.num_operations
        self.frozen = sit.is_frozen.tolist()
        self.free = [o for o in range(n) if not self.frozen[o]]
        self.dur: list[dict[int, int]] = [dict(a) for a in sit.alts]
        rank = eff.rank.tolist()
        fixed_end = sit.fixed_end.tolist()
        self.old_start = sit.old_start.tolist()
        self.old_machine = sit.old_machine.tolist()
        #: unfrozen job predecessor (-1: none or frozen), and the floor a frozen one sets
        self.jpred = [-1] * n
        self.base = sit.earliest.tolist()
        for o in self.free:
            if rank[o] > 0:
                if self.frozen[o - 1]:
                    self.base[o] = max(self.base[o], fixed_end[o - 1])
                else:
                    self.jpred[o] = o - 1
        self.jsucc = [-1] * n
        for o in self.free:
            if self.jpred[o] >= 0:
                self.jsucc[o - 1] = o
        #: floor of a machine's first unfrozen operation: the end of its frozen ones
        self.mach_floor = [0] * eff.num_machines
        for o in range(n):
            if self.frozen[o]:
                m = int(sit.fixed_machine[o])
                self.mach_floor[m] = max(self.mach_floor[m], fixed_end[o])
        self.busy = sit.busy
        self.frozen_end = int(sit.fixed_end.max(initial=0))
        last = (eff.job_start[1:] - 1).tolist()
        self.due = [
            (o, int(sit.due_date[j]), int(sit.job_weight[j]))
            for j, o in enumerate(last)
            if sit.due_date[j] >= 0
        ]
        self.fixed_end = fixed_end
        w = goal.stability
        self.weight = int(w) if isinstance(w, float) and w.is_integer() else w
        self.moved_measure = goal.measure == "moved"

    def decode(self, st: State) -> tuple[list[int], list[int], list[int]] | None:
        """(start, end, machine predecessor) per operation (frozen ones: -1), None on a cycle."""
        n = self.n
        start, end = [-1] * n, [-1] * n
        mpred, msucc = [-1] * n, [-1] * n
        count = [0] * n
        for s in st.seq:
            for a, b in zip(s, s[1:], strict=False):
                mpred[b], msucc[a] = a, b
        stack = []
        for o in self.free:
            c = (self.jpred[o] >= 0) + (mpred[o] >= 0)
            count[o] = c
            if c == 0:
                stack.append(o)
        done = 0
        base, jpred, jsucc, machine, anchor = self.base, self.jpred, self.jsucc, st.machine, st.anchor
        old, dur, busy, floor = self.old_start, self.dur, self.busy, self.mach_floor
        while stack:
            o = stack.pop()
            m = machine[o]
            r = base[o]
            if anchor[o] and old[o] > r:
                r = old[o]
            p = jpred[o]
            if p >= 0 and end[p] > r:
                r = end[p]
            p = mpred[o]
            q = end[p] if p >= 0 else floor[m]
            if q > r:
                r = q
            d = dur[o][m]
            s = fit(busy[m], r, d)
            start[o], end[o] = s, s + d
            done += 1
            for nxt in (jsucc[o], msucc[o]):
                if nxt >= 0:
                    count[nxt] -= 1
                    if count[nxt] == 0:
                        stack.append(nxt)
        if done < len(self.free):
            return None
        return start, end, mpred

    def score(self, st: State, start: list[int], end: list[int]) -> float:
        """The objective of a decoded state (equal to :func:`objective.evaluate`'s)."""
        makespan = max(self.frozen_end, max((end[o] for o in self.free), default=0))
        late = 0
        for o, due, w in self.due:
            e = self.fixed_end[o] if self.frozen[o] else end[o]
            late += w * max(0, e - due)
        total: float = makespan + late
        if self.weight:
            old, oldm = self.old_start, self.old_machine
            if self.moved_measure:
                measure = sum(
                    1 for o in self.free if old[o] >= 0 and (start[o] != old[o] or st.machine[o] != oldm[o])
                )
            else:
                measure = sum(abs(start[o] - old[o]) for o in self.free if old[o] >= 0)
            total += self.weight * measure
        return total

    def chain(self, start: list[int], end: list[int], mpred: list[int], tail: int) -> list[int]:
        """The critical chain ending at operation ``tail``, first operation first."""
        out = [tail]
        o = tail
        while True:
            p = mpred[o]
            if p >= 0 and end[p] == start[o]:
                o = p
            elif self.jpred[o] >= 0 and end[self.jpred[o]] == start[o]:
                o = self.jpred[o]
            else:
                break
            out.append(o)
        out.reverse()
        return out


def start_state(sit: Situation, machine: np.ndarray, start: np.ndarray) -> State:
    """The state of a schedule: its machines, per machine its unfrozen operations by start."""
    n = sit.effective.num_operations
    free = [o for o in range(n) if not sit.is_frozen[o]]
    seq: list[list[int]] = [[] for _ in range(sit.effective.num_machines)]
    for o in sorted(free, key=lambda o: (int(start[o]), o)):
        seq[int(machine[o])].append(o)
    return State(seq, [int(m) for m in machine], [True] * n)


Move = tuple[Any, ...]


def _apply(st: State, move: Move) -> State:
    new = State(list(st.seq), list(st.machine), st.anchor)
    kind = move[0]
    if kind == "swap":  # ("swap", machine, position): positions i and i+1
        _, m, i = move
        s = list(st.seq[m])
        s[i], s[i + 1] = s[i + 1], s[i]
        new.seq[m] = s
    elif kind == "shift":  # ("shift", machine, from, to)
        _, m, i, j = move
        s = list(st.seq[m])
        s.insert(j, s.pop(i))
        new.seq[m] = s
    elif kind == "assign":  # ("assign", op, old machine, new machine, position)
        _, o, m0, m1, pos = move
        s0 = [x for x in st.seq[m0] if x != o]
        s1 = list(st.seq[m1])
        s1.insert(pos, o)
        new.seq[m0], new.seq[m1] = s0, s1
        new.machine[o] = m1
    else:  # ("anchor", op, value)
        _, o, value = move
        new.anchor = list(st.anchor)
        new.anchor[o] = value
    return new


class Search:
    """Tabu search over states of one situation (see the module doc)."""

    def __init__(self, sit: Situation, goal: Goal, ctx: SolveContext, deadline: float | None):
        self.b = Builder(sit, goal)
        self.sit = sit
        self.ctx = ctx
        self.deadline = deadline
        self.rng = random.Random(ctx.seed)
        self.sample = ctx.int_option("sample", DEFAULT_SAMPLE, 1)
        self.stall = ctx.int_option("stall", DEFAULT_STALL, 1)
        self.iterations = ctx.int_option("iterations", DEFAULT_ITERATIONS, 0)
        self.evaluations = 0

    def out_of_time(self) -> bool:
        if self.ctx.stop.is_set():
            return True
        return self.deadline is not None and time.perf_counter() >= self.deadline

    def evaluate(self, st: State) -> tuple[float, Any] | None:
        self.evaluations += 1
        dec = self.b.decode(st)
        if dec is None:
            return None
        return self.b.score(st, dec[0], dec[1]), dec

    def moves(self, st: State, dec: Any) -> list[tuple[Move, tuple]]:
        start, end, mpred = dec
        b = self.b
        tails = [max(b.free, key=lambda o: (end[o], -o))] if b.free else []
        late = [(w * (end[o] - due), o) for o, due, w in b.due if not b.frozen[o] and end[o] > due]
        if late:
            tails.append(max(late)[1])
        out: list[tuple[Move, tuple]] = []
        pos: dict[int, int] = {}
        for s in st.seq:
            for i, o in enumerate(s):
                pos[o] = i
        seen: set = set()
        for tail in tails:
            chain = b.chain(start, end, mpred, tail)
            blocks: list[list[int]] = []
            for o in chain:
                if blocks and mpred[o] == blocks[-1][-1] and end[mpred[o]] == start[o]:
                    blocks[-1].append(o)
                else:
                    blocks.append([o])
            for blk in blocks:
                m = st.machine[blk[0]]
                k = len(blk)
                if k >= 2:
                    for i in sorted({pos[blk[0]], pos[blk[-2]]}):
                        s = st.seq[m]
                        out.append((("swap", m, i), ("pair", min(s[i], s[i + 1]), max(s[i], s[i + 1]))))
                if k >= 3:
                    first, last = pos[blk[0]], pos[blk[-1]]
                    out.append((("shift", m, first, last), ("moved", blk[0])))
                    out.append((("shift", m, last, first), ("moved", blk[-1])))
            for o in chain:
                if o in seen:
                    continue
                seen.add(o)
                if st.anchor[o] and b.old_start[o] == start[o]:
                    out.append((("anchor", o, False), ("anchor", o)))
                for m1 in b.dur[o]:
                    if m1 == st.machine[o]:
                        continue
                    s1 = st.seq[m1]
                    at = next((i for i, x in enumerate(s1) if start[x] >= start[o]), len(s1))
                    out.append((("assign", o, st.machine[o], m1, at), ("assign", o)))
        for _ in range(4):  # a few anchor flips off the chain: stability against makespan
            if not b.free:
                break
            o = self.rng.choice(b.free)
            if b.old_start[o] >= 0:
                out.append((("anchor", o, not st.anchor[o]), ("anchor", o)))
        return out

    def perturb(self, st: State, dec: Any) -> State:
        for _ in range(3):
            moves = [mv for mv, _ in self.moves(st, dec) if mv[0] == "swap"]
            if not moves:
                break
            cand = _apply(st, self.rng.choice(moves))
            ev = self.evaluate(cand)
            if ev is not None:
                st, dec = cand, ev[1]
        return st

    def run(self, st: State) -> tuple[State, float, int]:
        """(best state, its objective, iterations made) from ``st``."""
        first = self.evaluate(st)
        assert first is not None, "the start state decodes (right-shift's sequences)"
        cur_obj, cur_dec = first
        best, best_obj = st, cur_obj
        bound = self.sit.makespan_bound() if not self.b.due and not self.b.weight else None
        tabu: dict[tuple, int] = {}
        it = since = 0
        while True:
            if self.deadline is None and it >= self.iterations:
                break
            if self.out_of_time() or (bound is not None and best_obj <= bound):
                break
            it += 1
            cands = self.moves(st, cur_dec)
            self.rng.shuffle(cands)
            chosen = None
            for move, key in cands[: self.sample]:
                if self.out_of_time():
                    break
                cand = _apply(st, move)
                ev = self.evaluate(cand)
                if ev is None:
                    continue
                obj, dec = ev
                forbidden = tabu.get(key, 0) > it
                if forbidden and obj >= best_obj:
                    continue
                if chosen is None or obj < chosen[0]:
                    chosen = (obj, cand, dec, key)
            if chosen is None:
                if not cands or self.out_of_time():
                    break
                continue
            cur_obj, st, cur_dec, key = chosen
            tabu[key] = it + self.rng.randint(*TENURE)  # the same attribute names its undo
            if cur_obj < best_obj:
                best, best_obj, since = st, cur_obj, 0
            else:
                since += 1
            if since >= self.stall:
                since = 0
                st = self.perturb(best, self.evaluate(best)[1])  # type: ignore[index]
                ev = self.evaluate(st)
                assert ev is not None
                cur_obj, cur_dec = ev
                tabu.clear()
        return best, best_obj, it


def solve(sit: Situation, ctx: SolveContext, goal: Goal) -> Result:
    """Method ``ls``: tabu search from the right-shift schedule, never worse than it."""
    rs_machine, rs_start = repair(sit)
    rs_solution = sit.solution(rs_machine, rs_start)
    plan = budget(sit, ctx, goal, rs_solution)
    stats: dict[str, Any] = {"start": "right-shift"}  # replaced by the start taken
    if plan.exhausted():
        stats["fallback"] = "right-shift (no time left for the search)"
        return Result(Status.FEASIBLE, None, None, rs_solution, stats=stats)
    search = Search(sit, goal, ctx, plan.deadline())
    starts = {"right-shift": start_state(sit, rs_machine, rs_start)}
    released = starts["right-shift"].copy()
    released.anchor = [False] * len(released.anchor)
    starts["right-shift released"] = released  # the same sequences, every operation left-shifted
    op_rule, mach_rule = rules.parse(sit, None)
    d_machine, d_start = rules.dispatch(sit, op_rule, mach_rule, ctx.seed)
    dispatched = start_state(sit, d_machine, d_start)
    dispatched.anchor = [False] * len(dispatched.anchor)
    starts["rules"] = dispatched  # decodes to the dispatched schedule (non-delay, same order)
    scored = []
    for i, (name, cand) in enumerate(starts.items()):
        ev = search.evaluate(cand)
        if ev is not None:
            scored.append((ev[0], i, name, cand))
    _, _, name, st = min(scored)
    stats["start"] = name
    best, _, iterations = search.run(st)
    stats.update(iterations=iterations, evaluations=search.evaluations)
    dec = search.b.decode(best)
    assert dec is not None
    machine, start = sit.fixed_machine.copy(), sit.fixed_start.copy()
    for o in search.b.free:
        machine[o], start[o] = best.machine[o], dec[0][o]
    solution = sit.solution(machine, start)
    if evaluate(sit, solution, goal).objective > evaluate(sit, rs_solution, goal).objective:
        solution = rs_solution  # cannot happen (right-shift is the start); kept as the promise
    return Result(Status.FEASIBLE, None, None, solution, stats=stats)

"""Benchmark: the graph queries on a company of 100,000 employees with about 1,350,000 HAS_SKILL edges, on the
bundled ArcadeDB Bolt server (or any Bolt server: --uri, --password; its database is emptied first).

    python bench/graph_queries.py [--employees 100000] [--skills 200] [--uri bolt://...] [--password ...]

Loads the graph with ``UNWIND $rows`` batches (nine skills per person, drawn with a skewed popularity so a few
skills are held by most people, each assessed by one to three sources), then times each query a few times and
prints the median: talent search for a common and a rare skill set, with and without filters, the succession
answers, and career paths on a dense role graph of a few hundred roles.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph import client
from graph import queries as Q
from graph.server import GraphServer

DATABASE = "talent"
BATCH = 5000


def _batches(driver: Any, query: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        client.write(driver, DATABASE, query, rows=rows[i:i + BATCH])


def role_needs(posts: list[dict[str, Any]], reqs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The roles' NEEDS edges as graph.role_requirements derives them from the tables (every post is active here): a
    skill at least half of a role's posts require, at the highest level and importance any of them gives it."""
    weight = {"low": 1, "medium": 2, "high": 3}
    role_of = {p["key"]: p["role"] for p in posts}
    size: dict[str, int] = {}
    for p in posts:
        size[p["role"]] = size.get(p["role"], 0) + 1
    asked: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for r in reqs:
        asked.setdefault((role_of[r["p"]], r["s"]), []).append((r["level"], r["imp"]))
    return [{"role": role, "skill": skill, "level": max(lv for lv, _ in given),
             "importance": max((i for _, i in given), key=weight.__getitem__), "requiring": len(given),
             "positions": size[role]}
            for (role, skill), given in sorted(asked.items()) if 2 * len(given) >= size[role]]


def load(driver: Any, *, employees: int, skills: int, seed: int) -> int:
    rnd = random.Random(seed)
    client.ensure_schema(driver, DATABASE)
    client.write(driver, DATABASE, "MATCH (n) DETACH DELETE n")
    depts = [{"key": "CO", "parent": None}] + [{"key": f"DIV{i}", "parent": "CO"} for i in range(10)] + [
        {"key": f"T{i}", "parent": f"DIV{i % 10}"} for i in range(60)]
    _batches(driver, "UNWIND $rows AS r CREATE (:Department {key: r.key, name: r.key})", depts)
    _batches(driver, "UNWIND $rows AS r MATCH (d:Department {key: r.key}), (p:Department {key: r.parent}) "
                     "CREATE (d)-[:PART_OF]->(p)", [d for d in depts if d["parent"]])
    roles = [{"key": f"F{f}/G{g}", "family": f"F{f}", "grade": f"G{g}", "level": g}
             for f in range(50) for g in range(1, 7)]  # 300 roles
    _batches(driver, "UNWIND $rows AS r CREATE (:Role {key: r.key, family: r.family, grade: r.grade, level: r.level})",
             roles)
    steps = {}
    by_key = {r["key"]: r for r in roles}
    for f in range(50):
        for g in range(1, 7):
            here = f"F{f}/G{g}"
            targets = [f"F{f}/G{g + 1}"] if g < 6 else []  # the architecture: the next grade up ...
            targets += [f"F{(f + d) % 50}/G{g}" for d in (1, 2)]  # ... and the same grade in two related families
            for t in targets:
                steps[here, t] = 0
            for _ in range(6):  # what people did: six more, mostly near (a family or two away, a grade up or down)
                t = f"F{(f + rnd.randint(-3, 3)) % 50}/G{min(6, max(1, g + rnd.choice([-1, 0, 1, 1])))}"
                if t != here:
                    steps[here, t] = steps.get((here, t), 0) + rnd.randint(1, 12)
    steps_rows = [{"a": a, "b": b, "observed": n,
                   "kind": "vertical" if by_key[b]["level"] > by_key[a]["level"] else
                   "lateral" if by_key[b]["level"] == by_key[a]["level"] else "down"} for (a, b), n in steps.items()]
    _batches(driver, "UNWIND $rows AS r MATCH (a:Role {key: r.a}), (b:Role {key: r.b}) "
                     "CREATE (a)-[:CAREER_STEP {kind: r.kind, observed: r.observed, median_months: 24.0}]->(b)",
             steps_rows)
    _batches(driver, "UNWIND $rows AS r CREATE (:Skill {key: r.key, name: r.key, category: 'technical'})",
             [{"key": f"S{i}"} for i in range(skills)])
    people, posts = [], []
    for i in range(employees):
        role = rnd.choice(roles)
        posts.append({"key": f"P{i}", "dept": f"T{rnd.randrange(60)}", "role": role["key"], "is_key": i % 100 == 0})
        people.append({"key": f"E{i}", "status": "exited" if rnd.random() < 0.05 else "active",
                       "score": round(rnd.uniform(40, 100), 1), "post": f"P{i}"})
    _batches(driver, "UNWIND $rows AS r CREATE (:Position {key: r.key, title: r.key, is_key: r.is_key, active: true})",
             posts)
    _batches(driver, "UNWIND $rows AS r MATCH (p:Position {key: r.key}), (d:Department {key: r.dept}) "
                     "CREATE (p)-[:IN]->(d)", posts)
    _batches(driver, "UNWIND $rows AS r MATCH (p:Position {key: r.key}) MATCH (ro:Role {key: r.role}) "
                     "CREATE (p)-[:OF_ROLE]->(ro)", posts)
    profile = {r["key"]: rnd.sample(range(skills), 5) for r in roles}
    reqs = [{"p": p["key"], "s": f"S{k}", "level": rnd.randint(2, 5), "imp": rnd.choice(["low", "medium", "high"])}
            for p in posts for k in rnd.sample(profile[p["role"]], 4)]
    _batches(driver, "UNWIND $rows AS r MATCH (p:Position {key: r.p}), (s:Skill {key: r.s}) "
                     "CREATE (p)-[:REQUIRES {level: r.level, importance: r.imp}]->(s)", reqs)
    _batches(driver, "UNWIND $rows AS r MATCH (a:Role {key: r.role}), (s:Skill {key: r.skill}) "
                     "CREATE (a)-[:NEEDS {level: r.level, importance: r.importance, requiring: r.requiring, "
                     "positions: r.positions}]->(s)", role_needs(posts, reqs))
    _batches(driver, "UNWIND $rows AS r CREATE (:Employee {key: r.key, name: r.key, status: r.status, "
                     "perf_score: r.score})", people)
    _batches(driver, "UNWIND $rows AS r MATCH (e:Employee {key: r.key}), (p:Position {key: r.post}) "
                     "WHERE r.status = 'active' CREATE (e)-[:HOLDS]->(p)", people)
    weights = [1 / (k + 1) ** 0.9 for k in range(skills)]  # skewed: S0 is held by most people
    edges = []
    for i in range(employees):
        held: set[int] = set()
        while len(held) < 9:  # nine distinct skills, the popular ones more likely
            held.update(rnd.choices(range(skills), weights=weights, k=9 - len(held)))
        for s in sorted(held):  # self always, manager 35 %, assessment 15 %: 1.5 sources = 13.5 edges a person
            for source, p in (("self", 1.0), ("manager", 0.35), ("assessment", 0.15)):
                if rnd.random() < p:
                    edges.append({"e": f"E{i}", "s": f"S{s}", "level": rnd.randint(1, 5), "source": source})
    started = time.perf_counter()
    _batches(driver, "UNWIND $rows AS r MATCH (e:Employee {key: r.e}), (s:Skill {key: r.s}) "
                     "CREATE (e)-[:HAS_SKILL {level: r.level, source: r.source}]->(s)", edges)
    print(f"loaded {len(edges):,} HAS_SKILL edges in {time.perf_counter() - started:.0f} s", flush=True)
    succ = []
    for i in range(0, employees, 100):  # each key post: three successors
        for rank in (1, 2, 3):
            succ.append({"e": f"E{rnd.randrange(employees)}", "p": f"P{i}", "rank": rank,
                         "readiness": rnd.choice(["ready_now", "ready_1_2", "ready_3_plus", "emergency"])})
    _batches(driver, "UNWIND $rows AS r MATCH (e:Employee {key: r.e}), (p:Position {key: r.p}) "
                     "CREATE (e)-[:SUCCESSOR_FOR {readiness: r.readiness, rank: r.rank}]->(p)", succ)
    return len(edges)


def timed(name: str, call: Callable[[], Any], repeat: int = 5) -> None:
    call()  # warm: plans and pages
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    size = len(result) if isinstance(result, list) else next(
        (len(getattr(result, name)) for name in ("paths", "steps", "successors") if hasattr(result, name)), 0)
    print(f"{name:<58} median {statistics.median(times) * 1000:7.0f} ms  (max {max(times) * 1000:.0f} ms, "
          f"{size} rows)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--skills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--uri")
    parser.add_argument("--password")
    parser.add_argument("--skip-load", action="store_true", help="the graph is already loaded")
    args = parser.parse_args()
    server = None
    if args.uri is None:
        server = GraphServer(Path(tempfile.mkdtemp(prefix="hcm-bench-graph-")), database=DATABASE,
                             password="bench-graph-pass", heap="2g", startup_timeout=120)
        server.start()
        uri, password = server.uri, server.password
    else:
        uri, password = args.uri, args.password or ""
    driver = client.make_driver(uri, "root", password)
    try:
        if not args.skip_load:
            started = time.perf_counter()
            load(driver, employees=args.employees, skills=args.skills, seed=args.seed)
            print(f"loaded the graph in {time.perf_counter() - started:.0f} s: {client.counts(driver, DATABASE)}")
        holders = client.read(driver, DATABASE, "UNWIND ['S0', 'S1', 'S150'] AS k "
                                                "MATCH (:Skill {key: k})<-[h:HAS_SKILL]-() RETURN k, count(h) AS n")
        print("HAS_SKILL edges of S0, S1, S150:", {r["k"]: r["n"] for r in holders})
        common = [("S0", 4, "high"), ("S1", 3, "medium"), ("S2", 3, "low")]
        rare = [("S150", 3, "high"), ("S120", 2, "medium")]
        timed("talent search, 3 common skills (S0 S1 S2)", lambda: Q.talent_search(driver, DATABASE, skills=common))
        timed("talent search, 3 common skills, department DIV3 + grade 3..5",
              lambda: Q.talent_search(driver, DATABASE, skills=common, department="DIV3", min_grade_level=3,
                                      max_grade_level=5))
        timed("talent search, 3 common skills, department T3 (1 %)",
              lambda: Q.talent_search(driver, DATABASE, skills=common, department="T3"))
        timed("talent search, 3 common skills, department CO (everyone)",
              lambda: Q.talent_search(driver, DATABASE, skills=common, department="CO"))
        timed("talent search, 3 common skills, min score 90",
              lambda: Q.talent_search(driver, DATABASE, skills=common, min_score=90))
        timed("talent search, 2 rare skills (S150 S120)", lambda: Q.talent_search(driver, DATABASE, skills=rare))
        timed("talent search, 1 mid skill (S20)",
              lambda: Q.talent_search(driver, DATABASE, skills=[("S20", 3, "high")]))
        timed("bench strength (1,000 key posts)", lambda: Q.bench_strength(driver, DATABASE))
        timed("single points of failure", lambda: Q.single_points_of_failure(driver, DATABASE, min_posts=1))
        timed("successors of P0", lambda: Q.successors(driver, DATABASE, position="P0"))
        leaver = client.read(driver, DATABASE, "MATCH (e:Employee)-[:HOLDS]->(p:Position)<-[:SUCCESSOR_FOR]-() "
                                               "WHERE p.is_key = true RETURN e.key AS key ORDER BY key LIMIT 1")[0]["key"]
        timed(f"vacancy chain of {leaver}, depth 5",
              lambda: Q.vacancy_chain(driver, DATABASE, employee=leaver, depth=5))
        timed("next roles of P1 for E1", lambda: Q.next_roles(driver, DATABASE, position="P1", employee="E1"))
        timed("paths F0/G2 -> F2/G5, 4 steps", lambda: Q.paths(driver, DATABASE, from_role="F0/G2", to_role="F2/G5",
                                                                max_steps=4))
        timed("paths F0/G2 -> F2/G5, 4 steps, for E1",
              lambda: Q.paths(driver, DATABASE, from_role="F0/G2", to_role="F2/G5", max_steps=4, employee="E1"))
    finally:
        driver.close()
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()

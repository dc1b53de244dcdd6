"""Readiness for a key post: the probability that a candidate succeeds in a given post, its training validated
forwards in time, its scores, and its answer to succession (the ``succession.readiness`` extension point).

**Pairs.** A row is a (candidate, target post) pair on an as-of date, described by facts known on that date only:
the candidate's snapshot (``ml.features.snapshot``: tenure, time in post, pay position, performance, ...) and
``PAIR_FEATURES``: the proficiency-aware match of the candidate's skills known on the date to the post's
requirements (the graph's rule, ``graph.queries.common``: each source's latest record assessed by then, the most
trusted source's level, each requirement met up to its level, weighted by importance), the grade distance (the
target's grade level minus the candidate's), same family, related family, and the career steps observed from the
candidate's role to the target's before the date (``graph.careers.observed_moves(until=...)``).

**Label** (``outcomes``): 1 when, within ``HORIZON_DAYS`` (24 months) after the as-of date and before any exit,
the candidate moved up in grade into a post of the target's job family and grade, and the final rating known
``RATING_AFTER`` after that move (a period that ended after it, read through the ``ml.features`` providers on a
later day) is at least "meets" (3 on the 1..5 scale). A rating below meets makes it 0; when no rating is known for
that period (no performance data, or not known yet by the training day) the promotion counts alone, and the card
says how many positives each rule gave.

**Training pairs** (``training_pairs``): on each as-of date, everyone who made such a move, paired with the post
they moved into, and ``NEGATIVES_PER_POSITIVE`` times as many people drawn at a fixed seed, each paired with a post
of the next grade in their own family (or, for ``RELATED_SHARE`` of them, a related family); every pair's label is
given by the rule, whichever way it was drawn.

**Validation** is flight risk's (``ml.train.fit_forward``): yearly as-of dates, the latest ``HORIZON_DAYS`` before
the training day (its label is complete), the candidates chosen on the year before the test year, calibrated,
scored on the test year next to the baseline, with the subgroup figures by gender and age band.

**Readiness values.** A probability is said in succession's terms (``READY_NOW``, ``READY_1_2``,
``READY_3_PLUS``: ``succession.models.Readiness``): ready now from the cut whose precision on the training side
reaches ``PRECISION_READY_NOW``, ready in one to two years from the cut for ``PRECISION_READY_1_2``, else three
years or more; the card states both cuts.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from graph.careers import observed_moves
from graph.queries.common import Requirement, assess, levels_in_db
from hcm.clock import today
from hcm.org.events import role_key
from hcm.org.models import (
    Assignment,
    Grade,
    JobFamily,
    Position,
    PositionSkill,
    Skill,
    job_family_relations,
)
from ml import card, drivers, explain, features, registry, train
from ml.errors import DataError
from ml.models import ModelVersion, Score

log = logging.getLogger(__name__)

KIND = "readiness"
HORIZON_DAYS = 730  # the move must happen within 24 months after the as-of date
RATING_AFTER = timedelta(days=365 + 90)  # a year in the new post, then the 90 days a period takes to be known
MEETS = 3.0  # "meets" on the 1..5 scale of the final rating
NEGATIVES_PER_POSITIVE = 3
RELATED_SHARE = 0.2  # of the drawn pairs, the share whose target is in a related family
SEED = 20261202
PRECISION_READY_NOW = 0.75
PRECISION_READY_1_2 = 0.5
MAX_CANDIDATES = 20  # per post scored by ``score_readiness``: the best skill matches one grade below
TOP_DRIVERS = 3
READY_NOW, READY_1_2, READY_3_PLUS = "ready_now", "ready_1_2", "ready_3_plus"
READINESS_OF_BAND = {"high": READY_NOW, "medium": READY_1_2, "low": READY_3_PLUS}
PAIR_FEATURES = ("target_match", "grade_distance", "same_family", "related_family", "steps_observed")
LABEL = ("moved up in grade into a post of the target's family and grade within 24 months after the as-of date, "
         "then a final rating of at least meets (3 of 5) in the period known after the move (the promotion alone "
         "when no rating is known)")

PHRASES: dict[str, explain.Phrase] = {
    **explain.DEFAULT_PHRASES,
    "target_match": explain.Phrase("skill match to the post", missing="no skill match", digits=2),
    "grade_distance": explain.Phrase(
        "grade distance", render=lambda v: f"the post is {explain.format_value(v, 0)} grade(s) above theirs"),
    "same_family": explain.Phrase(
        "same job family",
        render=lambda v: "the post is in their job family" if float(v) else "the post is in another job family"),
    "related_family": explain.Phrase(
        "related job family",
        render=lambda v: "the post is in a related job family" if float(v) else "the post is not in a related family"),
    "steps_observed": explain.Phrase(
        "career steps taken", render=lambda v: f"{explain.format_value(v, 0)} people took this career step before"),
}


# ------------------------------------------------------------------------------------------------------------ the posts


@dataclass
class Posts:
    """Every post's job family, grade level and role key (family/grade), and the family relations both ways."""

    family: pd.Series
    level: pd.Series
    role: pd.Series
    related: dict[Any, set[Any]]

    def by_role(self) -> dict[tuple[Any, float], np.ndarray]:
        """(family id, grade level) -> the posts of that role."""
        known = pd.DataFrame({"family": self.family, "level": self.level}).dropna()
        return {(f, float(lv)): g.index.to_numpy() for (f, lv), g in known.groupby(["family", "level"])}


def posts(db: Session) -> Posts:
    rows = db.execute(select(Position.id, Position.job_family_id, Grade.level, JobFamily.code, Grade.code)
                      .outerjoin(Grade, Grade.id == Position.grade_id)
                      .outerjoin(JobFamily, JobFamily.id == Position.job_family_id)).all()
    index = pd.Index([r[0] for r in rows], name="position_id")
    related: dict[Any, set[Any]] = defaultdict(set)
    for fam, rel in db.execute(select(job_family_relations.c.family_id, job_family_relations.c.related_id)):
        related[fam].add(rel)
        related[rel].add(fam)
    return Posts(family=pd.Series([r[1] for r in rows], index=index, dtype=object),
                 level=pd.Series([r[2] for r in rows], index=index, dtype=float),
                 role=pd.Series([role_key(r[3], r[4]) for r in rows], index=index, dtype=object),
                 related=dict(related))


def _requirements(db: Session, position_ids: Iterable[int]) -> dict[int, list[Requirement]]:
    wanted = sorted({int(p) for p in position_ids})
    out: dict[int, list[Requirement]] = defaultdict(list)
    for lo in range(0, len(wanted), 5000):
        for pid, code, name, level, importance in db.execute(
                select(PositionSkill.position_id, Skill.code, Skill.name, PositionSkill.required_level,
                       PositionSkill.importance).join(Skill, Skill.id == PositionSkill.skill_id)
                .where(PositionSkill.position_id.in_(wanted[lo:lo + 5000]))):
            out[pid].append(Requirement(code, name, level, str(getattr(importance, "value", importance))))
    return out


def skill_levels(db: Session, employee_ids: Iterable[int], as_of: date) -> dict[int, dict[str, int]]:
    """employee id -> skill code -> the effective level known on ``as_of`` (records assessed by then; the most
    trusted source's: ``graph.queries.common.levels_in_db``)."""
    return levels_in_db(db, employee_ids, as_of=as_of)


def step_counts(db: Session, as_of: date) -> dict[tuple[str, str], int]:
    """(from role, to role) -> how many people took that career step on or before ``as_of``."""
    return {pair: len(months) for pair, months in observed_moves(db, until=as_of).items()}


# ------------------------------------------------------------------------------------------------------------ features


def pair_features(db: Session, as_of: date, pairs: pd.DataFrame, *, snap: pd.DataFrame | None = None,
                  post_table: Posts | None = None, steps: dict[tuple[str, str], int] | None = None,
                  providers: Iterable[features.Provider] | None = None,
                  own: pd.Series | None = None) -> pd.DataFrame:
    """One row per pair (``pairs``: columns ``employee_id``, ``position_id``; the same index), from facts known on
    ``as_of``: the candidate's snapshot columns and ``PAIR_FEATURES``. ``snap``, ``post_table``, ``steps`` and
    ``own`` (``features.posts_on``) may be given when already read for the same date."""
    emp = pairs["employee_id"].astype(int).to_numpy()
    target = pairs["position_id"].astype(int).to_numpy()
    ids = sorted(set(emp.tolist()))
    if snap is None:
        snap = features.snapshot(db, as_of, ids, providers)
    p = post_table or posts(db)
    steps = step_counts(db, as_of) if steps is None else steps
    out = snap.reindex(emp).reset_index(drop=True)
    out.index = pairs.index
    own_post = (features.posts_on(db, as_of, ids) if own is None else own).reindex(emp).to_numpy()
    own_family = p.family.reindex(own_post).to_numpy()
    own_level = p.level.reindex(own_post).to_numpy(dtype=float)
    own_role = p.role.reindex(own_post).to_numpy()
    t_family = p.family.reindex(target).to_numpy()
    t_level = p.level.reindex(target).to_numpy(dtype=float)
    t_role = p.role.reindex(target).to_numpy()

    reqs = _requirements(db, target)
    levels = skill_levels(db, ids, as_of)
    out["target_match"] = [assess(reqs.get(int(t), []), levels.get(int(e), {}))[2] for e, t in zip(emp, target,
                                                                                                    strict=True)]
    out["grade_distance"] = t_level - own_level
    known = pd.notna(own_family) & pd.notna(t_family)
    out["same_family"] = np.where(known, (own_family == t_family).astype(float), np.nan)
    out["related_family"] = [float(t in p.related.get(o, ())) if k else np.nan
                             for o, t, k in zip(own_family, t_family, known, strict=True)]
    out["steps_observed"] = [float(steps.get((a, b), 0)) if isinstance(a, str) and isinstance(b, str) else np.nan
                             for a, b in zip(own_role, t_role, strict=True)]
    return out


# --------------------------------------------------------------------------------------------------------------- label


def _moves_after(db: Session, as_of: date, ids: list[int], horizon_days: int) -> pd.DataFrame:
    """The moves (not hires, not exits) of the people in the ``horizon_days`` after ``as_of``, up to their first exit
    after it: employee_id, position_id, start_date."""
    end = as_of + timedelta(days=horizon_days)
    rows = db.execute(select(Assignment.employee_id, Assignment.position_id, Assignment.start_date, Assignment.reason,
                             Assignment.id)
                      .where(Assignment.start_date > as_of, Assignment.start_date <= end)
                      .order_by(Assignment.employee_id, Assignment.start_date, Assignment.id)).all()
    wanted = set(ids)
    kept, gone = [], set()
    for emp, pos, start, why, _ in rows:
        reason = str(getattr(why, "value", why))
        if emp not in wanted or emp in gone:
            continue
        if reason.startswith("exit"):
            gone.add(emp)
        elif reason != "hire" and pos is not None:
            kept.append((emp, pos, start))
    return pd.DataFrame(kept, columns=["employee_id", "position_id", "start_date"])


def _rating_day(moved: date) -> date:
    """The day the rating of a move is read: ``RATING_AFTER`` after it, at the first of the next month (so that the
    moves of a month share their reads)."""
    d = moved + RATING_AFTER
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def outcomes(db: Session, pairs: pd.DataFrame, as_of: date, *, known_by: date, horizon_days: int = HORIZON_DAYS,
             providers: Iterable[features.Provider] | None = None, post_table: Posts | None = None,
             own: pd.Series | None = None) -> pd.DataFrame:
    """Per pair (the index of ``pairs``): ``moved_on`` (the first day within the horizon the candidate moved up in
    grade into a post of the target's family and grade; missing when not), ``rating`` (the final rating read
    ``RATING_AFTER`` after the move through the providers, when that day is on or before ``known_by``; missing when
    not known) and ``label``: moved, and a rating of at least ``MEETS`` or none known."""
    p = post_table or posts(db)
    emp = pairs["employee_id"].astype(int).to_numpy()
    target = pairs["position_id"].astype(int).to_numpy()
    ids = sorted(set(emp.tolist()))
    own = features.posts_on(db, as_of, ids) if own is None else own
    own_level = p.level.reindex(own.reindex(emp).to_numpy()).to_numpy(dtype=float)
    moves = _moves_after(db, as_of, ids, horizon_days)
    first: dict[tuple[int, Any, float], date] = {}
    for e, pos, start in moves.itertuples(index=False):
        key = (int(e), p.family.get(pos), float(p.level.get(pos, np.nan)))
        first.setdefault(key, start)
    moved_on = []
    for e, t, lv in zip(emp, target, own_level, strict=True):
        t_lv = float(p.level.get(t, np.nan))
        day = first.get((int(e), p.family.get(t), t_lv)) if t_lv > lv else None
        moved_on.append(day)
    out = pd.DataFrame({"moved_on": moved_on, "rating": np.nan}, index=pairs.index)
    provide = list(providers) if providers is not None else features.feature_providers()
    reads: dict[date, set[int]] = defaultdict(set)
    for e, day in zip(emp, moved_on, strict=True):
        if day is not None and _rating_day(day) <= known_by:
            reads[_rating_day(day)].add(int(e))
    ratings: dict[tuple[date, int], float] = {}
    for day, who in reads.items():
        for provider in provide:
            frame = provider(db, day, sorted(who))
            if "final_rating" in frame.columns:
                for e, v in frame["final_rating"].dropna().items():
                    ratings[(day, int(e))] = float(v)
    out["rating"] = [ratings.get((_rating_day(day), int(e)), np.nan) if day is not None else np.nan
                     for e, day in zip(emp, moved_on, strict=True)]
    moved = out["moved_on"].notna()
    out["label"] = (moved & (out["rating"].isna() | (out["rating"] >= MEETS))).astype(int)
    return out


# ------------------------------------------------------------------------------------------------------------ training


def training_pairs(db: Session, as_of: date, *, post_table: Posts | None = None, seed: int = SEED,
                   horizon_days: int = HORIZON_DAYS, own: pd.Series | None = None) -> pd.DataFrame:
    """The pairs of one as-of date (``own``: ``features.posts_on`` of its population, when read already): the people
    employed on it who moved up in grade within the horizon, each with the
    post they moved into, then ``NEGATIVES_PER_POSITIVE`` times as many people drawn at ``seed`` (and the date),
    each with a post of the next grade in their family or a related one. Columns employee_id, position_id."""
    p = post_table or posts(db)
    own = features.posts_on(db, as_of) if own is None else own
    pop = [int(e) for e in own.index]
    own_level = p.level.reindex(own.to_numpy()).to_numpy(dtype=float)
    level_of = dict(zip(pop, own_level, strict=True))
    moves = _moves_after(db, as_of, pop, horizon_days)
    moves["up"] = p.level.reindex(moves["position_id"].to_numpy()).to_numpy(dtype=float) > \
        np.asarray([level_of.get(e, np.nan) for e in moves["employee_id"]], dtype=float)
    positives = moves[moves["up"]].groupby("employee_id").head(1)[["employee_id", "position_id"]]

    rng = np.random.default_rng([seed, as_of.toordinal()])
    roles = p.by_role()
    n = min(len(pop), NEGATIVES_PER_POSITIVE * max(len(positives), 1))
    drawn = rng.choice(np.asarray(pop, dtype=np.int64), size=n, replace=False) if pop else np.zeros(0, np.int64)
    negatives = []
    own_family = p.family.reindex(own.to_numpy()).to_numpy()
    family_of = dict(zip(pop, own_family, strict=True))
    for e in drawn.tolist():
        fam, lv = family_of.get(e), level_of.get(e, np.nan)
        if fam is None or pd.isna(fam) or np.isnan(lv):
            continue
        options = [roles[(fam, lv + 1)]] if (fam, lv + 1) in roles else []
        related = [roles[(r, lv + 1)] for r in sorted(p.related.get(fam, ())) if (r, lv + 1) in roles]
        if related and (not options or rng.random() < RELATED_SHARE):
            options = related
        if not options:
            continue
        choices = np.concatenate(options)
        negatives.append((e, int(rng.choice(choices))))
    pairs = pd.concat([positives, pd.DataFrame(negatives, columns=["employee_id", "position_id"])],
                      ignore_index=True).drop_duplicates(ignore_index=True)
    return pairs.astype({"employee_id": int, "position_id": int})


def dates(as_of: date, years: int = 3) -> list[date]:
    """Yearly as-of dates, oldest first, the latest ``HORIZON_DAYS`` before ``as_of`` (its label is complete)."""
    return train.as_of_dates(as_of - timedelta(days=HORIZON_DAYS - 365), years)


@dataclass
class PairFrames:
    frames: train.Frames
    outcomes: pd.DataFrame


def frames(db: Session, days: list[date], *, known_by: date,
           providers: Iterable[features.Provider] | None = None) -> PairFrames:
    provide = list(providers) if providers is not None else features.feature_providers()
    p = posts(db)
    xs, ys, whens, groups, outs = [], [], [], [], []
    for d in days:
        own = features.posts_on(db, d)  # the population of the date, with their posts
        pairs = training_pairs(db, d, post_table=p, own=own)
        snap = features.snapshot(db, d, sorted(set(pairs["employee_id"])), provide)
        X = pair_features(db, d, pairs, snap=snap, post_table=p, steps=step_counts(db, d), own=own)
        o = outcomes(db, pairs, d, known_by=known_by, providers=provide, post_table=p, own=own)
        xs.append(X.reset_index(drop=True))
        ys.append(o["label"].rename("ready").reset_index(drop=True))
        outs.append(o.reset_index(drop=True))
        whens.append(pd.Series([d] * len(pairs)))
        groups.append(features.protected(db, pairs["employee_id"], d).reindex(pairs["employee_id"])
                      .reset_index(drop=True))
    f = train.Frames(pd.concat(xs, ignore_index=True), pd.concat(ys, ignore_index=True),
                     pd.concat(whens, ignore_index=True), pd.concat(groups, ignore_index=True))
    return PairFrames(f, pd.concat(outs, ignore_index=True))


def prepare(db: Session, as_of: date, *, years: int = 3, unless_unchanged: bool = False) -> train.Trained | None:
    """A readiness version fitted on the pairs of the yearly as-of dates before ``as_of`` and validated forwards in
    time (``ml.train.fit_forward``), not registered yet (only reads); with ``unless_unchanged``, None when the
    active version's rows are the same."""
    as_of = train.anchor(as_of)  # the month end: the pairs stay the same through a month
    days = dates(as_of, years)
    pf = frames(db, days, known_by=as_of)
    f = pf.frames
    digest = train.data_hash(f.X, f.y)
    current = registry.active(db, KIND)
    if unless_unchanged and current is not None and current.data_hash == digest:
        return None
    fit = train.fit_forward(f, days, kind=KIND, as_of=as_of, label=LABEL, outcome="successful promotion",
                            precision_high=PRECISION_READY_NOW, precision_medium=PRECISION_READY_1_2)
    o = pf.outcomes
    moved = o["moved_on"].notna()
    fit.card["pairs"] = {
        "negatives_per_positive": NEGATIVES_PER_POSITIVE, "related_share": RELATED_SHARE, "seed": SEED,
        "horizon_days": HORIZON_DAYS, "moved_up": int(moved.sum()),
        "confirmed_by_rating": int((moved & (o["rating"] >= MEETS)).sum()),
        "below_meets": int((moved & (o["rating"] < MEETS)).sum()),
        "promotion_alone": int((moved & o["rating"].isna()).sum()),
    }
    cuts = fit.card["cuts"]
    fit.card["readiness"] = {READY_NOW: f"probability >= {cuts['high']:.4f} (precision {PRECISION_READY_NOW} on "
                                        "the training side)",
                             READY_1_2: f"probability >= {cuts['medium']:.4f} (precision {PRECISION_READY_1_2})",
                             READY_3_PLUS: "below both"}
    return train.Trained(KIND, digest, fit)


def train_readiness(db: Session, as_of: date, *, years: int = 3, activate: bool = True,
                    unless_unchanged: bool = False) -> ModelVersion:
    """``prepare`` and register: a new readiness version, or with ``unless_unchanged`` the active one when its rows
    are the same."""
    found = train.register_or_active(db, KIND, prepare(db, as_of, years=years, unless_unchanged=unless_unchanged),
                                     activate=activate)
    assert found is not None  # prepare returns None only when there is an active version
    return found


# ------------------------------------------------------------------------------------------------------------- scoring


def readiness_of(p: float, version: ModelVersion) -> str:
    """The readiness value of a probability, by the version's cuts (``READINESS_OF_BAND``)."""
    cuts = (version.card["cuts"]["medium"], version.card["cuts"]["high"])
    return READINESS_OF_BAND[card.band(float(p), cuts)]


def _probabilities(db: Session, version: ModelVersion, as_of: date,
                   pairs: pd.DataFrame) -> tuple[Any, pd.DataFrame, np.ndarray]:
    bundle = registry.load(version)
    X = pair_features(db, as_of, pairs).reindex(columns=list(bundle["features"]))
    return bundle, X, bundle["model"].predict_proba(X)[:, 1]


def predict(db: Session, *, position_id: int, employee_ids: Iterable[int]) -> dict[int, str]:
    """employee id -> predicted readiness for the post (``succession.readiness``), by the active readiness version on
    today's facts; ``{}`` when no readiness version is active (succession then works as without a model), the post
    is unknown or nobody is asked."""
    ids = sorted({int(e) for e in employee_ids})
    version = registry.active(db, KIND)
    if version is None or not ids or db.get(Position, position_id) is None:
        return {}
    pairs = pd.DataFrame({"employee_id": ids, "position_id": [position_id] * len(ids)})
    try:
        _, _, p = _probabilities(db, version, today(), pairs)
    except registry.RegistryError:
        log.exception("ml: the active readiness version cannot be loaded; no readiness predicted")
        return {}
    return {e: readiness_of(v, version) for e, v in zip(ids, p, strict=True)}


def candidates(db: Session, as_of: date, position_ids: Iterable[int], *, limit: int = MAX_CANDIDATES) -> pd.DataFrame:
    """For each post, the people employed on ``as_of`` one grade below it in its family or a related one, the best
    ``limit`` by skill match to it: columns employee_id, position_id."""
    p = posts(db)
    own = features.posts_on(db, as_of)
    people = pd.DataFrame({"employee_id": own.index.to_numpy(), "family": p.family.reindex(own.to_numpy()).to_numpy(),
                           "level": p.level.reindex(own.to_numpy()).to_numpy(dtype=float),
                           "post": own.to_numpy()})
    rows: list[tuple[int, int]] = []
    for t in sorted({int(x) for x in position_ids}):
        fam, lv = p.family.get(t), float(p.level.get(t, np.nan))
        if fam is None or pd.isna(fam) or np.isnan(lv):
            continue
        near = people[(people["level"] == lv - 1) & people["family"].isin({fam, *p.related.get(fam, ())})
                      & (people["post"] != t)]
        rows.extend((int(e), t) for e in near["employee_id"])
    pairs = pd.DataFrame(rows, columns=["employee_id", "position_id"])
    if pairs.empty:
        return pairs
    reqs = _requirements(db, pairs["position_id"])
    levels = skill_levels(db, pairs["employee_id"], as_of)
    pairs["match"] = [assess(reqs.get(t, []), levels.get(e, {}))[2] for e, t in pairs.itertuples(index=False)]
    best = (pairs.sort_values(["position_id", "match", "employee_id"], ascending=[True, False, True])
            .groupby("position_id").head(limit))
    return best[["employee_id", "position_id"]].reset_index(drop=True)


def key_posts(db: Session) -> list[int]:
    return list(db.scalars(select(Position.id).where(Position.is_key.is_(True), Position.is_active.is_(True))
                           .order_by(Position.id)))


def readiness_rows(db: Session, as_of: date, version: ModelVersion, position_ids: Iterable[int] | None = None, *,
                   pairs: pd.DataFrame | None = None) -> list[dict[str, Any]]:
    """The ``Score`` rows of (candidate, post) pairs on ``as_of`` by ``version`` (only reads): ``pairs`` when given,
    else the ``candidates`` of ``position_ids`` (default: the active key posts); each with the post, the readiness
    value as band, the top drivers and the version."""
    if pairs is None:
        pairs = candidates(db, as_of, key_posts(db) if position_ids is None else position_ids)
    if pairs.empty:
        return []
    pairs = pairs.reset_index(drop=True)
    bundle, X, p = _probabilities(db, version, as_of, pairs)
    why = explain.explain(bundle["model"], X, top=TOP_DRIVERS, background=pd.DataFrame(bundle["background"]),
                          phrases=PHRASES, outcome="readiness")
    return [{"version_id": version.id, "employee_id": int(e), "position_id": int(t), "as_of": as_of,
             "probability": float(np.round(prob, 6)), "band": readiness_of(prob, version),
             "drivers": [drivers.stored(d) for d in x.drivers]}
            for (e, t), prob, x in zip(pairs[["employee_id", "position_id"]].itertuples(index=False), p, why,
                                       strict=True)]


def write_rows(db: Session, rows: list[dict[str, Any]]) -> int:
    """Append the rows (never rewriting a score); the number written."""
    if rows:
        db.execute(insert(Score), rows)
    return len(rows)


def score_readiness(db: Session, as_of: date, position_ids: Iterable[int] | None = None, *,
                    pairs: pd.DataFrame | None = None, version: ModelVersion | None = None) -> int:
    """Score (candidate, post) pairs on ``as_of`` with ``version`` (default: the active readiness version) and
    append them (``readiness_rows``, ``write_rows``). The number written."""
    version = version or registry.active(db, KIND)
    if version is None:
        raise DataError(f"no {KIND} model is registered yet: train one first")
    return write_rows(db, readiness_rows(db, as_of, version, position_ids, pairs=pairs))

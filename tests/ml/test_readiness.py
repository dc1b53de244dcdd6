"""The readiness model for key posts: its label on a hand-made case, pair features that see nothing after the as-of
date, the registered version and its card, the predictions succession asks for (and none without an active
version), and its scores. On this module's own copy of the company simulated by ``hcm.seed``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hcm.auth.models import Role
from hcm.org.models import Assignment, EmployeeSkill, MoveReason, Position, PositionSkill, Skill, SkillSource
from hcm.policy import Principal
from ml import features, readiness
from ml.models import ModelVersion, Score
from succession.models import Readiness
from succession.service.board import READINESS_LABELS
from tests.factories import today_pinned
from tests.ml.test_train_score import AS_OF, company  # noqa: F401 (this module's own copy of the seeded company)

VALUES = {r.value for r in Readiness}


@pytest.fixture(scope="module")
def version(company: Engine) -> Iterator[int]:  # noqa: F811
    with Session(company) as db:
        v = readiness.train_readiness(db, AS_OF)
        db.commit()
        yield v.id


def _next_grade_post(db: Session, post_id: int, p: readiness.Posts, *, same: bool = True) -> int | None:
    """A post one grade above ``post_id`` in its family (``same``), or one of the same grade and family."""
    fam, lv = p.family.get(post_id), float(p.level.get(post_id))
    want = lv + 1 if same else lv
    found = p.by_role().get((fam, want), [])
    others = [int(x) for x in found if int(x) != post_id]
    return others[0] if others else None


def _three_people(db: Session, p: readiness.Posts) -> list[tuple[int, int, int, int]]:
    """(employee, their post, a next-grade post in the family, another post of their grade) for three people."""
    pop = features.population(db, AS_OF)
    own = features.posts_on(db, AS_OF, pop)
    out = []
    for e in pop:
        post = int(own[e])
        up, side = _next_grade_post(db, post, p), _next_grade_post(db, post, p, same=False)
        if up is not None and side is not None:
            out.append((e, post, up, side))
        if len(out) == 3:
            return out
    raise AssertionError("the seed has no three people with a next grade and a lateral post")


def test_the_label_is_a_promotion_followed_by_a_meets_rating(company: Engine) -> None:  # noqa: F811
    moved = date(2027, 3, 1)
    asked: list[date] = []

    def ratings(db: Session, day: date, ids: list[int]) -> pd.DataFrame:
        asked.append(day)
        known = {a: 4.0, b: 2.0}  # a meets (exceeds), b is below meets; c has no rating
        return pd.DataFrame({"final_rating": [known.get(i) for i in ids]}, index=pd.Index(ids, name="employee_id"),
                            dtype=float)

    with Session(company) as db:
        p = readiness.posts(db)
        (a, _, a_up, _), (b, _, b_up, _), (c, _, c_up, c_side) = _three_people(db, p)
        db.add_all([Assignment(employee_id=a, position_id=a_up, start_date=moved, reason=MoveReason.PROMOTION),
                    Assignment(employee_id=b, position_id=b_up, start_date=moved, reason=MoveReason.PROMOTION),
                    Assignment(employee_id=c, position_id=c_side, start_date=moved, reason=MoveReason.LATERAL)])
        db.flush()
        pairs = pd.DataFrame({"employee_id": [a, b, c, c], "position_id": [a_up, b_up, c_up, c_side]})
        out = readiness.outcomes(db, pairs, AS_OF, known_by=date(2029, 12, 31), providers=[ratings], post_table=p)
        assert out["label"].tolist() == [1, 0, 0, 0]  # promotion + meets, promotion + below, no move up, lateral
        assert out["rating"].iloc[:2].tolist() == [4.0, 2.0]
        assert asked and all(day >= moved + readiness.RATING_AFTER for day in asked)  # a period known after the move
        # before that rating is known, the promotion counts alone; later than 24 months, it does not count
        early = readiness.outcomes(db, pairs, AS_OF, known_by=date(2027, 6, 1), providers=[ratings], post_table=p)
        assert early["label"].tolist() == [1, 1, 0, 0]
        late = readiness.outcomes(db, pairs, moved - timedelta(days=readiness.HORIZON_DAYS + 1),
                                  known_by=date(2029, 12, 31), providers=[ratings], post_table=p)
        assert late["label"].sum() == 0
        db.rollback()


def test_pair_features_see_nothing_after_the_as_of_date(company: Engine) -> None:  # noqa: F811
    day = date(2024, 11, 30)
    with Session(company) as db:
        p = readiness.posts(db)
        pairs = readiness.training_pairs(db, day, post_table=p).head(40)
        before = readiness.pair_features(db, day, pairs)
        e, target, skill, row = _short_of_a_requirement(db, pairs, day)
        record = EmployeeSkill(employee_id=e, skill_id=skill, level=5, source=SkillSource.ASSESSMENT,
                               assessed_on=day + timedelta(days=30))
        db.add_all([record, Assignment(employee_id=e, position_id=target, start_date=day + timedelta(days=10),
                                       reason=MoveReason.PROMOTION)])
        db.flush()
        pd.testing.assert_frame_equal(readiness.pair_features(db, day, pairs), before)
        record.assessed_on = day  # the same assessment known on the day does change the match
        db.flush()
        after = readiness.pair_features(db, day, pairs)
        assert after["target_match"].iloc[row] > before["target_match"].iloc[row]
        db.rollback()


def _short_of_a_requirement(db: Session, pairs: pd.DataFrame, day: date) -> tuple[int, int, int, int]:
    """(employee, target post, a skill the post requires above the level known for them on ``day``, the pair's row)."""
    for row, (e, target) in enumerate(pairs[["employee_id", "position_id"]].itertuples(index=False)):
        known = readiness.skill_levels(db, [int(e)], day)[int(e)]
        for sid, code, level in db.execute(select(Skill.id, Skill.code, PositionSkill.required_level)
                                           .join(Skill, Skill.id == PositionSkill.skill_id)
                                           .where(PositionSkill.position_id == int(target))):
            if known.get(code, 0) < level:
                return int(e), int(target), sid, row
    raise AssertionError("everyone meets every requirement")


def test_the_version_is_registered_with_its_card(company: Engine, version: int) -> None:  # noqa: F811
    with Session(company) as db:
        v = db.get(ModelVersion, version)
        assert v is not None and v.kind == readiness.KIND and v.label == "readiness-1" and v.active
        m, card = v.metrics, v.card
        assert card["window"]["test"] == "2024-11-30" and card["window"]["train"] == ["2022-12-01", "2023-12-01"]
        for k in ("roc_auc", "pr_auc", "brier"):
            assert m[k] is not None and m["baseline"][k] is not None
        assert m["roc_auc"] > 0.6 and m["roc_auc"] >= m["baseline"]["roc_auc"] - 0.01
        assert set(card["subgroups"]) == {"gender", "age_band"}
        used = card["features"]["numeric"] + card["features"]["categorical"] + list(card["features"]["ordered"])
        assert {"target_match", "steps_observed", "same_family"} <= set(used)
        for col in ("gender", "birth_year", "age_band"):
            assert col not in used
        assert set(card["readiness"]) == VALUES and card["pairs"]["moved_up"] > 0
        assert card["cuts"]["medium"] <= card["cuts"]["high"]


def _key_post_with_candidates(db: Session) -> tuple[int, list[int]]:
    cands = readiness.candidates(db, AS_OF, readiness.key_posts(db))
    post = int(cands["position_id"].value_counts().idxmax())
    return post, sorted(int(e) for e in cands.loc[cands["position_id"] == post, "employee_id"])


def test_predict_answers_in_successions_terms_and_nothing_without_a_version(company: Engine,  # noqa: F811
                                                                           version: int) -> None:
    with Session(company) as db, today_pinned(AS_OF):
        post, people = _key_post_with_candidates(db)
        got = readiness.predict(db, position_id=post, employee_ids=people)
        assert set(got) == set(people) and set(got.values()) <= VALUES
        assert readiness.predict(db, position_id=post, employee_ids=[]) == {}
        db.execute(update(ModelVersion).where(ModelVersion.kind == readiness.KIND).values(active=False))
        assert readiness.predict(db, position_id=post, employee_ids=people) == {}
        db.rollback()


def test_scores_name_the_post_and_the_version_and_are_appended(company: Engine, version: int) -> None:  # noqa: F811
    with Session(company) as db:
        posts = readiness.key_posts(db)[:5]
        n = readiness.score_readiness(db, AS_OF, posts)
        again = readiness.score_readiness(db, AS_OF, posts)
        db.flush()
        rows = db.scalars(select(Score).where(Score.version_id == version)).all()
        assert n == again > 0 and len(rows) == 2 * n
        assert {r.position_id for r in rows} <= set(posts) and all(r.band in VALUES for r in rows)
        assert all(0 < len(r.drivers) <= readiness.TOP_DRIVERS and all(d["text"] for d in r.drivers) for r in rows)
        assert "readiness" in rows[0].drivers[0]["text"]
        assert db.scalar(select(func.count()).select_from(Score).where(Score.position_id.is_(None))) == 0
        db.rollback()


def test_successions_suggestions_show_the_predicted_readiness(company: Engine, version: int,  # noqa: F811
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the extension point, as installed (``ml.module`` provides ``succession.readiness``); the talent
    search is the graph's (tested in tests/graph) and answers nothing here."""
    from hcm import modules
    from succession.service import suggest

    modules.refresh()
    assert readiness.predict in suggest.readiness_models()
    monkeypatch.setattr(suggest, "_search", lambda *a, **k: [])
    hr = Principal(0, "hr", Role.HR_ADMIN, None, None)
    with Session(company) as db, today_pinned(AS_OF):
        post = next(pid for pid in readiness.key_posts(db) if db.get(Position, pid) is not None
                    and _suggested(db, hr, pid, suggest))
        out = _suggested(db, hr, post, suggest)
        assert out.predicted_readiness is True
        assert all(s.predicted_readiness in VALUES for s in out.suggestions)
        assert all(s.reasons[-1] == f"predicted readiness: {READINESS_LABELS[s.predicted_readiness].lower()}"
                   for s in out.suggestions)
        db.rollback()


def _suggested(db: Session, hr: Principal, post: int, suggest: Any) -> Any:
    out = suggest.suggestions(db, principal=hr, position_id=post, driver=object(), database="talent")
    return out if out.suggestions else None

"""Bring-your-own-history: column detection, nested evaluation on a synthetic CSV, subgroup rates, every bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from ml import card
from ml.cli import ml_group
from ml.errors import DataError
from ml.evaluate import evaluate_csv
from ml.tabular import detect, read_csv

ROOT = Path(__file__).resolve().parents[2]


def history(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    tenure = rng.gamma(2, 3, n).round(1)
    dept = rng.choice(["Sales", "R&D", "HR", "Ops"], n)
    sat = rng.choice(["Low", "Medium", "High"], n)
    z = -0.25 * tenure + 1.2 * (sat == "Low") - 0.8 * (sat == "High") + 0.9 * (dept == "Sales") + rng.normal(0, 0.7, n)
    return pd.DataFrame({"emp": [f"E{i:04d}" for i in range(n)], "tenure": tenure,
                         "salary": rng.normal(60000, 15000, n).round(0), "dept": dept, "satisfaction": sat,
                         "site": "HQ", "gender": rng.choice(["F", "M"], n), "age": rng.integers(22, 64, n),
                         "left": np.where(z > np.quantile(z, 0.75), "Yes", "No")})


@pytest.fixture(scope="module")
def csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("h") / "history.csv"
    history().to_csv(p, index=False)
    return p


@pytest.fixture(scope="module")
def report(csv: Path) -> dict:
    return evaluate_csv(csv, "left", "Yes", protected=("gender", "age"), n_repeats=1)


def test_detects_each_column_kind(csv: Path) -> None:
    spec = detect(read_csv(csv).drop(columns=["left"]))
    assert spec.numeric == ["tenure", "salary", "age"]
    assert spec.categorical == ["dept", "gender"]
    assert spec.ordered == {"satisfaction": ["Low", "Medium", "High"]}
    assert set(spec.dropped) == {"emp", "site"} and spec.dropped["site"] == "constant"


def test_ordered_scales_and_ranges() -> None:
    df = pd.DataFrame({"a": ["Often", "Never", "Always", "Rarely"] * 5, "b": ["10+ years", "1-2 years", "<1 year",
                                                                            "3-5 years"] * 5})
    assert detect(df).ordered == {"a": ["Never", "Rarely", "Often", "Always"],
                                  "b": ["<1 year", "1-2 years", "3-5 years", "10+ years"]}


def test_evaluation_report(report: dict) -> None:
    keys = {"roc_auc", "pr_auc", "brier", "n_rows", "n_positive", "model", "baseline", "features", "subgroups"}
    assert keys <= set(report)
    assert report["n_rows"] == 600 and report["n_positive"] == 150
    assert report["roc_auc"] > 0.75 and 0 < report["pr_auc"] <= 1 and 0 < report["brier"] < 0.25
    assert report["baseline"]["roc_auc"] > 0.5 and {"pr_auc", "brier"} <= set(report["baseline"])
    assert report["model"] in report["model_counts"] and sum(report["model_counts"].values()) == 5
    feats = report["features"]
    used = [*feats["numeric"], *feats["categorical"], *feats["ordered"]]
    assert "gender" not in used and "age" not in used and "emp" not in used
    assert set(report["subgroups"]["gender"]["groups"]) == {"F", "M"}
    assert sum(g["n"] for g in report["subgroups"]["gender"]["groups"].values()) == 600


def test_protected_column_never_reaches_the_preprocessor(csv: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ml.evaluate as ev

    seen: list[list[str]] = []
    real = ev.build_preprocessor

    def spy(spec):  # type: ignore[no-untyped-def]
        seen.append(spec.features)
        return real(spec)

    monkeypatch.setattr(ev, "build_preprocessor", spy)
    X, _, prot, spec = ev.load(csv, "left", "Yes", protected=("gender",))
    ev.candidates(spec)
    assert seen and all("gender" not in f for f in seen)
    assert "gender" not in X.columns and list(prot.columns) == ["gender"]


def test_subgroup_rates_and_four_fifths_from_pooled_folds() -> None:
    """The CSV report's subgroups are the model card's rule (``card.subgroups``) on the pooled test folds: each
    fold flags by its own threshold (``selected``), and a row pooled ``repeats`` times counts once in n."""
    g = ["a"] * 12 + ["b"] * 12 + ["c"] * 3
    y = np.array([1, 0, 1, 0] * 3 + [1, 0, 0, 0] * 3 + [1, 0, 0])
    p = np.linspace(0.9, 0.1, 27)
    flagged = np.array([1, 1, 0, 0] * 3 + [1, 0, 0, 0] * 3 + [1, 1, 1], dtype=bool)  # a 1/2, b 1/4, c all (small)
    r = card.subgroups(y, p, {"g": g}, selected=flagged)["g"]
    assert r["groups"]["a"]["selection_rate"] == 0.5 and r["groups"]["b"]["selection_rate"] == 0.25
    assert r["groups"]["c"]["small"] and r["four_fifths_ratio"] == 0.5 and r["flagged"] is True
    assert r["groups"]["b"]["n_positive"] == 3
    twice = card.subgroups(np.tile(y, 2), np.tile(p, 2), {"g": g * 2}, selected=np.tile(flagged, 2), repeats=2)["g"]
    assert twice["groups"]["a"]["n"] == 12 and twice["four_fifths_ratio"] == 0.5
    one = card.subgroups(np.zeros(12, dtype=int), p[:12], {"g": ["x"] * 12}, selected=np.ones(12, dtype=bool))["g"]
    assert one["groups"]["x"]["roc_auc"] is None and one["four_fifths_ratio"] is None and not one["flagged"]


def bad_files(tmp: Path) -> dict[str, tuple[Path, list[str], str]]:
    base = history(60)
    out: dict[str, tuple[Path, list[str], str]] = {}

    def write(name: str, df: pd.DataFrame) -> Path:
        p = tmp / f"{name}.csv"
        df.to_csv(p, index=False)
        return p

    good = write("good", base)
    out["missing target"] = (good, ["--target", "quit"], "'quit' is not in the file")
    out["positive absent"] = (good, ["--positive", "Maybe"], "values found: 'No', 'Yes'")
    out["one class"] = (write("one", base.assign(left="No")), ["--positive", "No"], "one class")
    out["all empty"] = (write("empty", base.assign(notes=np.nan)), [], "'notes' is empty in every row")
    txt = base.copy()
    txt["tenure"] = txt["tenure"].astype(object)
    txt.loc[7, "tenure"] = "n/a years"
    out["text in numeric"] = (write("text", txt), [], "'tenure' holds numbers but row 9 has text")
    few = base.copy()
    few["left"] = "No"
    few.loc[:3, "left"] = "Yes"
    out["fewer rows than folds"] = (write("few", few), [], "fewer rows than folds")
    garbage = tmp / "garbage.csv"
    garbage.write_bytes(bytes(range(256)) * 4)
    out["binary"] = (garbage, [], "not a CSV")
    out["directory"] = (tmp, [], "is a directory")
    out["missing file"] = (tmp / "nope.csv", [], "no such file")
    return out


def test_every_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    runner = CliRunner()
    for name, (path, extra, message) in bad_files(tmp_path).items():
        args = ["evaluate", "flight-risk", "--csv", str(path), "--target", "left", "--positive", "Yes",
                "--protected", "gender"]
        for i in range(0, len(extra), 2):
            args[args.index(extra[i]) + 1] = extra[i + 1]
        r = runner.invoke(ml_group, args)
        assert r.exit_code == 2, (name, r.output, r.exception)
        assert message in r.stderr, (name, r.stderr)
        assert r.stdout == "" and "Traceback" not in r.stderr


def test_bad_input_in_a_real_process(tmp_path: Path) -> None:
    path, _, _ = bad_files(tmp_path)["text in numeric"]
    run = subprocess.run(["/work/venv/bin/python", "-c", "from ml.cli import ml_group; ml_group()", "evaluate",
                          "readiness", "--csv", str(path), "--target", "left", "--positive", "Yes"],
                         capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, timeout=60,
                         check=False)
    assert run.returncode == 2 and "row 9" in run.stderr and "Traceback" not in run.stderr


def test_read_csv_rejects_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        read_csv(tmp_path / "e.csv")

"""Reading a "bring your own history" CSV and deciding, column by column, how a model should see it.

Detection rules (in this order, per column):

* all values empty -> ``DataError`` naming the column (an all-empty column is bad input, not something to drop quietly);
* one distinct value -> dropped ("constant");
* text in a mostly numeric column (at least 80 % of the filled cells parse as numbers) -> ``DataError`` naming the
  column and the first bad row, counted as in the file (the header is row 1, the first data row is row 2);
* numbers -> numeric, unless they are integers that look like an identifier (all distinct and either a consecutive
  run or a name such as ``employee_id``/``code``/``number``) -> dropped;
* text whose values all belong to one known ordered scale ("Low/Medium/High", "Poor..Excellent", "Never..Always",
  agreement and satisfaction scales, "Below/Meets/Exceeds expectations", proficiency levels, ranges such as
  "<1 year", "1-2 years", "10+ years") -> ordered, with its values in scale order;
* text with all values distinct -> dropped (an identifier or free text);
* other text -> categorical.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from ml.errors import DataError

# Known ordered scales, lowest first, compared lower-cased. A column is ordered when all its values are in one scale.
ORDERED_SCALES: tuple[tuple[str, ...], ...] = (
    ("very low", "low", "medium", "high", "very high"),
    ("very low", "low", "moderate", "high", "very high"),
    ("none", "low", "medium", "high"),
    ("poor", "fair", "good", "very good", "excellent"),
    ("never", "rarely", "sometimes", "often", "always"),
    ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
    ("strongly disagree", "disagree", "neither agree nor disagree", "agree", "strongly agree"),
    ("very dissatisfied", "dissatisfied", "neutral", "satisfied", "very satisfied"),
    ("unsatisfactory", "needs improvement", "below expectations", "meets expectations", "exceeds expectations",
     "outstanding"),
    ("none", "beginner", "basic", "intermediate", "advanced", "expert"),
    ("below college", "college", "bachelor", "master", "doctor"),
)
# "<1 year", "1-2 years", "3 to 5", "10+ years", ">20": a range of numbers with an optional unit.
_RANGE = re.compile(r"^\s*(?P<lt>[<>]|less than|under|over|more than)?\s*(?P<low>\d+(?:\.\d+)?)\s*"
                    r"(?P<rest>(?:\+|(?:-|\u2013|to)\s*\d+(?:\.\d+)?))?\s*[a-z .]*$")
_ID_NAME = re.compile(r"(^|[_\s])(id|key|code|number|no|uuid)$|^id[_\s]|employee_?id", re.IGNORECASE)
NUMERIC_SHARE = 0.8  # a text column with at least this share of numbers is a numeric column with typos


@dataclass
class TableSpec:
    """What each feature column is: numeric, categorical, ordered (with its values lowest first) or dropped (why)."""

    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    ordered: dict[str, list[str]] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical, *self.ordered]

    def as_dict(self) -> dict[str, Any]:
        return {"numeric": list(self.numeric), "categorical": list(self.categorical),
                "ordered": {c: list(v) for c, v in self.ordered.items()}, "dropped": dict(self.dropped)}


def read_csv(path: str | Path) -> pd.DataFrame:
    """The CSV as a frame: text stripped, empty text as missing, text columns as ``object``; ``DataError`` otherwise."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    if p.is_dir():
        raise DataError(f"{p}: is a directory, not a CSV file")
    try:
        with p.open("rb") as f:
            head = f.read(8192)
    except OSError as e:
        raise DataError(f"{p}: cannot be read ({e.strerror or e})") from e
    if b"\x00" in head:
        raise DataError(f"{p}: is not a CSV file (binary content)")
    try:
        df = pd.read_csv(p, skipinitialspace=True, encoding="utf-8-sig", dtype_backend="numpy_nullable")
    except pd.errors.EmptyDataError as e:
        raise DataError(f"{p}: is empty (no header, no rows)") from e
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"{p}: is not a readable CSV file ({str(e).splitlines()[0]})") from e
    except OSError as e:
        raise DataError(f"{p}: cannot be read ({e.strerror or e})") from e
    if df.empty:
        raise DataError(f"{p}: has a header but no rows")
    if len(df.columns) < 2:
        raise DataError(f"{p}: has only one column ({df.columns[0]!r}); is it comma-separated?")
    dupes = sorted({base for c in df.columns if (base := re.sub(r"\.\d+$", "", str(c))) != str(c) and base in df.columns})
    if dupes:
        raise DataError(f"{p}: repeated column name(s): {', '.join(dupes)}")
    return _plain(df)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers as float64 (missing = NaN) and text as object (stripped, "" = NaN): what scikit-learn expects."""
    out = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s):
            out[c] = s.astype("object").where(s.notna(), np.nan).map(lambda v: v if v is np.nan else str(v))
        elif pd.api.types.is_numeric_dtype(s):
            out[c] = s.astype("float64")
        else:
            t = s.astype("object").where(s.notna(), np.nan)
            t = t.map(lambda v: v.strip() if isinstance(v, str) else v).replace("", np.nan)
            out[c] = t.astype("object")
    return pd.DataFrame(out, index=df.index)


def _file_row(df: pd.DataFrame, label: Any) -> int:
    """The row number in the file of a frame row (header = 1, first data row = 2)."""
    return int(df.index.get_loc(label)) + 2


def _scale_order(values: list[str]) -> list[str] | None:
    low = {v.lower(): v for v in values}
    for scale in ORDERED_SCALES:
        if set(low) <= set(scale):
            return [low[s] for s in scale if s in low]
    keys: dict[str, tuple[float, int]] = {}
    for v in values:
        m = _RANGE.match(v.lower())
        if not m:
            return None
        lt = m.group("lt")
        side = -1 if lt in ("<", "less than", "under") else 1 if (lt or (m.group("rest") or "").startswith("+")) else 0
        keys[v] = (float(m.group("low")), side)
    if len(set(keys.values())) < len(keys):
        return None
    return sorted(values, key=lambda v: keys[v])


def detect(df: pd.DataFrame) -> TableSpec:
    """The kind of each column of ``df`` (already without target, id, excluded and protected columns)."""
    spec = TableSpec()
    for c in df.columns:
        s = df[c]
        filled = s.dropna()
        name = str(c)
        if filled.empty:
            raise DataError(f"column {name!r} is empty in every row")
        if filled.nunique() == 1:
            spec.dropped[name] = "constant"
            continue
        if pd.api.types.is_numeric_dtype(s):
            whole = bool(np.all(np.mod(filled.to_numpy(), 1) == 0))
            if whole and filled.is_unique and len(filled) == len(s) and len(s) >= 20:
                consecutive = filled.max() - filled.min() == len(filled) - 1
                if consecutive or _ID_NAME.search(name):
                    spec.dropped[name] = "identifier (all values distinct)"
                    continue
            spec.numeric.append(name)
            continue
        as_number = pd.to_numeric(filled, errors="coerce")
        if as_number.notna().mean() >= NUMERIC_SHARE:
            bad = as_number[as_number.isna()].index[0]
            raise DataError(f"column {name!r} holds numbers but row {_file_row(df, bad)} has text: {filled[bad]!r}")
        values = sorted({str(v) for v in filled})
        order = _scale_order(values)
        if order is not None:
            spec.ordered[name] = order
        elif filled.is_unique:
            spec.dropped[name] = "all values distinct (an identifier or free text)"
        else:
            spec.categorical.append(name)
    if not spec.features:
        raise DataError("no usable feature columns left (all were dropped: "
                        + ", ".join(f"{c}: {r}" for c, r in spec.dropped.items()) + ")")
    return spec


def build_preprocessor(spec: TableSpec, min_frequency: int = 5) -> ColumnTransformer:
    """Numeric: median imputation (with a missing indicator) and scaling; categorical: most frequent value and one-hot
    (categories seen fewer than ``min_frequency`` times pooled, unknown ones ignored); ordered: most frequent value,
    the scale position as a number (an unknown value is -1) and scaling. Dense output (gradient boosting needs it)."""
    parts: list[tuple[str, Any, list[str]]] = []
    if spec.numeric:
        parts.append(("numeric", Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True)),
                                           ("scale", StandardScaler())]), list(spec.numeric)))
    if spec.categorical:
        parts.append(("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=min_frequency,
                                     sparse_output=False))]), list(spec.categorical)))
    if spec.ordered:
        parts.append(("ordered", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("codes", OrdinalEncoder(categories=[list(v) for v in spec.ordered.values()],
                                     handle_unknown="use_encoded_value", unknown_value=-1)),
            ("scale", StandardScaler())]), list(spec.ordered)))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


def build_plain_preprocessor(spec: TableSpec) -> ColumnTransformer:
    """The baseline's view: numbers imputed and scaled, every other feature one-hot (no scale order, no pooling)."""
    text = [*spec.categorical, *spec.ordered]
    parts: list[tuple[str, Any, list[str]]] = []
    if spec.numeric:
        parts.append(("numeric", Pipeline([("impute", SimpleImputer(strategy="median")),
                                           ("scale", StandardScaler())]), list(spec.numeric)))
    if text:
        parts.append(("text", Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                                        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False))]),
                      text))
    return ColumnTransformer(parts, remainder="drop", sparse_threshold=0.0)


SINGLE_THREAD_ROWS = 20_000


@contextmanager
def fitting_threads(n_rows: int) -> Iterator[None]:
    """Fits on fewer than ``SINGLE_THREAD_ROWS`` rows run on one thread: gradient boosting's OpenMP team costs more
    than it saves on small data (a 480-row fit: 0.09 s on one thread, 0.54 s on two cores here)."""
    if n_rows >= SINGLE_THREAD_ROWS:
        yield
        return
    with threadpool_limits(limits=1):
        yield

"""The registry of model versions: the only place a model is loaded from.

An artifact is written with ``skops.io`` (a format that instantiates only the types it is told to trust, unlike
pickle) and stored in the version's row with its SHA-256. ``load`` checks the hash, then refuses an artifact
holding any type outside ``TRUSTED_PREFIXES`` (scikit-learn, NumPy, SciPy and this package's own transformers),
so a tampered row or a foreign file cannot run code.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sklearn
import skops.io as sio
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ml.models import ModelVersion

TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "ml.", "builtins.", "collections.")


class RegistryError(RuntimeError):
    """A registered artifact that must not be loaded (tampered, foreign types, another scikit-learn)."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def register(db: Session, *, kind: str, model: Any, candidate: str, data_hash: str, metrics: dict[str, Any],
             card: dict[str, Any], activate: bool = True) -> ModelVersion:
    """A new version of ``kind`` with its artifact; ``activate`` makes it the one that scores (one per kind)."""
    blob = sio.dumps(model)
    n = (db.scalar(select(func.count()).select_from(ModelVersion).where(ModelVersion.kind == kind)) or 0) + 1
    version = ModelVersion(kind=kind, label=f"{kind}-{n}", candidate=candidate, sklearn_version=sklearn.__version__,
                           data_hash=data_hash, metrics=metrics, card=card, artifact=blob,
                           artifact_sha256=sha256(blob), active=False)
    db.add(version)
    db.flush()
    if activate:
        db.execute(update(ModelVersion).where(ModelVersion.kind == kind).values(active=ModelVersion.id == version.id))
    return version


def active(db: Session, kind: str) -> ModelVersion | None:
    return db.scalar(select(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.active.is_(True)))


def load(version: ModelVersion) -> Any:
    """The fitted model of a registered version, after checking its hash and the types it holds."""
    blob = bytes(version.artifact)
    if sha256(blob) != version.artifact_sha256:
        raise RegistryError(f"model {version.label}: the artifact does not match its recorded SHA-256")
    types = sio.get_untrusted_types(data=blob)
    foreign = [t for t in types if not t.startswith(TRUSTED_PREFIXES)]
    if foreign:
        raise RegistryError(f"model {version.label}: the artifact holds types outside the trusted ones: "
                            f"{', '.join(sorted(foreign))}")
    if version.sklearn_version != sklearn.__version__:
        raise RegistryError(f"model {version.label} was trained with scikit-learn {version.sklearn_version}; "
                            f"this is {sklearn.__version__}: retrain it (hcm ml train)")
    return sio.loads(blob, trusted=types)

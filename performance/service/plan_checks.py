"""The plan checks the set-up pages show while HR types (``/performance/setup/check``) and enforce on save: weights
that must add to 100 (a goal's indicators, the goals supporting one parent) and an indicator's bounds in order
(threshold, target, stretch; a range's tolerances around its band). The rules themselves are the cascade's
(``performance.rules.weights_add_to_100``, ``performance.service.cascade._validate_indicator``): this module only
says them in words, with the field to point at, so the live check and the save can never disagree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hcm.errors import Invalid
from performance import rules
from performance.models import Direction, IndicatorClass, IndicatorKind
from performance.schemas import IndicatorIn
from performance.service.cascade import _validate_indicator


@dataclass(frozen=True)
class Check:
    ok: bool
    field: str | None
    message: str
    total: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "field": self.field, "message": self.message, "total": self.total}


def weights(values: Iterable[float], *, field: str, what: str) -> Check:
    """Do ``values`` (the weights of ``what``) add to 100? An empty set passes (nothing to weigh)."""
    got = list(values)
    total = round(sum(got), 6)
    if not got:
        return Check(True, None, f"No {what} yet.", 0.0)
    if rules.weights_add_to_100(got):
        return Check(True, None, f"The weights of {what} add to 100.", total)
    return Check(False, field, f"The weights of {what} add to {total:g}, not 100 ({100 - total:+g} to go).", total)


def enforce_weights(values: Iterable[float], *, field: str, what: str) -> None:
    found = weights(values, field=field, what=what)
    if not found.ok:
        raise Invalid(found.message, field=field)


def bounds(direction: Direction, *, threshold: float | None = None, target: float | None = None,
           stretch: float | None = None, target_low: float | None = None, target_high: float | None = None,
           threshold_low: float | None = None, threshold_high: float | None = None) -> Check:
    """Are a quantitative indicator's bounds in order (the cascade's own check, the field it names)?"""
    data = IndicatorIn.model_construct(
        code="check", name="check", kind=IndicatorKind.QUANTITATIVE, direction=direction,
        klass=IndicatorClass.OPERATIONAL, weight=100, threshold=threshold, target=target, stretch=stretch,
        target_low=target_low, target_high=target_high, threshold_low=threshold_low, threshold_high=threshold_high)
    needed = (("target_low", "target_high", "threshold_low", "threshold_high") if direction is Direction.RANGE
              else ("threshold", "target"))  # in the order the save names them (``IndicatorIn``)
    missing = [f for f in needed if getattr(data, f) is None]
    if missing:
        return Check(False, missing[0], f"Give {', '.join(missing)}.")
    try:
        _validate_indicator(data)
    except Invalid as exc:
        return Check(False, exc.field, exc.message)
    return Check(True, None, "The bounds are in order.")

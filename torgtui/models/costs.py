"""Promotions issue: cost recalculation documents after promotions (migration 0014).
Filled in by that work."""

from __future__ import annotations

from torgtui.models.base import BaseModel

MODELS: list[type[BaseModel]] = []

"""Promotions issue: bundles (sets) of products sold at a special price (migration 0012).
Filled in by that work."""

from __future__ import annotations

from torgtui.models.base import BaseModel

MODELS: list[type[BaseModel]] = []

"""Promotions issue: pre-orders, prepayments and hard reserves (migration 0013).
Filled in by that work."""

from __future__ import annotations

from torgtui.models.base import BaseModel

MODELS: list[type[BaseModel]] = []

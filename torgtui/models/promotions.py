"""Promotions issue: the promotion builder's rules, Nth-receipt counters, birthday grants
(migration 0010). Filled in by that work."""

from __future__ import annotations

from torgtui.models.base import BaseModel

MODELS: list[type[BaseModel]] = []

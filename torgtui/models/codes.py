"""Promotions issue: promo codes, coupons and control barcodes (migration 0011).
Filled in by that work."""

from __future__ import annotations

from torgtui.models.base import BaseModel

MODELS: list[type[BaseModel]] = []

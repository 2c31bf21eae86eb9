"""Price policy: price types, quantity breaks, manufacturer discounts, price lists (filled by
the price-policy work of the loyalty issue; migration 0008)."""

from __future__ import annotations

from torgtui.models.base import BaseModel

MODELS: list[type[BaseModel]] = []

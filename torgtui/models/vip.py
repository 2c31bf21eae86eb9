"""VIP customers: credit, goods-and-cash accounts, item-level debts (filled by the VIP work of
the loyalty issue; migration 0009). Their balances live on the ledger (models.loyalty)."""

from __future__ import annotations

from torgtui.models.base import BaseModel

MODELS: list[type[BaseModel]] = []

"""``torgtui price BASKET.json``: price a basket without a screen, for scripts and backtests.

Input: ``{"lines": [{"barcode" or "sku": "...", "qty": 1}], "customer": null,
"at": "2026-11-22T12:00:00"}`` (qty in units, may be fractional for weighed goods).
Output: ``{"lines": [{"sku", "name", "qty", "unit_price", "total", "adjustments": [{"step",
"reason", "amount"}]}], "subtotal", "discount", "total", "errors": [...]}``; money in integer
kopecks, qty in units as given. Unknown codes are listed in ``errors``, not crashed on.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from torgtui.errors import TorgError, ValidationError
from torgtui.i18n import _
from torgtui.sales.basket import Basket
from torgtui.sales.pricing import PricingContext, price
from torgtui.sales.register import line_from_product
from torgtui.sales.scan import lookup, parse_qty


def _load(path: str) -> dict[str, Any]:
    try:
        text = (
            Path(path).read_text(encoding="utf-8")
            if path != "-"
            else __import__("sys").stdin.read()
        )
        data = json.loads(text)
    except FileNotFoundError:
        raise TorgError(_("Basket file {path} does not exist.").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TorgError(_("Cannot read {path}: {error}").format(path=path, error=exc)) from None
    except json.JSONDecodeError as exc:
        raise TorgError(
            _("{path} is not valid JSON: {error}").format(path=path, error=exc)
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        raise TorgError(_('{path} must be an object with a "lines" list.').format(path=path))
    return data


def price_basket(
    data: dict[str, Any], *, scale_prefixes: tuple[str, ...] = ("20",)
) -> dict[str, Any]:
    """Price the basket described by ``data`` (see the module doc) and return the output."""
    errors: list[str] = []
    basket = Basket(customer_id=data.get("customer"))
    try:
        at = dt.datetime.fromisoformat(data["at"]) if data.get("at") else dt.datetime.now()
    except (TypeError, ValueError):
        raise TorgError(_('"at" must be a date and time like 2026-11-22T12:00:00.')) from None
    for n, item in enumerate(data["lines"], 1):
        if not isinstance(item, dict):
            errors.append(_("line {n}: not an object").format(n=n))
            continue
        code = str(item.get("barcode") or item.get("sku") or "")
        try:
            qty = parse_qty(str(item.get("qty", 1)))
            found = lookup(code, scale_prefixes)
            qty = found.qty if found.qty and "qty" not in item else qty
            if not found.product.weighed and qty % 1000:
                raise ValidationError(
                    _("{name} is sold by the piece: the quantity must be whole.").format(
                        name=found.product.name
                    )
                )
            basket.lines.append(line_from_product(found.product, qty, found.barcode))
        except ValidationError as exc:
            errors.append(_("line {n}: {error}").format(n=n, error=exc.message))
    price(basket, PricingContext(at=at, customer_id=basket.customer_id))
    return {
        "lines": [
            {
                "sku": ln.sku,
                "name": ln.name,
                "qty": ln.qty / 1000 if ln.qty % 1000 else ln.qty // 1000,
                "unit_price": ln.unit_price,
                "total": ln.total,
                "adjustments": [
                    {"step": a.step, "reason": a.reason, "amount": a.amount} for a in ln.adjustments
                ],
            }
            for ln in basket.lines
        ],
        "subtotal": basket.subtotal,
        "discount": basket.discount,
        "total": basket.total,
        "errors": errors,
    }


def run_price_command(settings: Any, path: str) -> int:
    result = price_basket(_load(path), scale_prefixes=settings.register.prefixes())
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 1 if result["errors"] else 0

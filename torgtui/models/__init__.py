"""Peewee tables only, grouped by subject. Import from here."""

from torgtui.models.base import BaseModel, MoneyField, QtyField
from torgtui.models.catalog import (
    UNITS,
    Barcode,
    Location,
    Manufacturer,
    Product,
    ProductGroup,
    StockMovement,
)
from torgtui.models.customers import Customer
from torgtui.models.meta import SchemaVersion, Setting
from torgtui.models.sales import (
    CashMovement,
    Draft,
    FiscalJob,
    LineAdjustment,
    Payment,
    Receipt,
    ReceiptLine,
    Shift,
)
from torgtui.models.staff import AuditEntry, Employee

ALL_MODELS: list[type[BaseModel]] = [
    SchemaVersion,
    Setting,
    Employee,
    AuditEntry,
    Location,
    ProductGroup,
    Manufacturer,
    Product,
    Barcode,
    StockMovement,
    Customer,
    Shift,
    Receipt,
    ReceiptLine,
    LineAdjustment,
    Payment,
    Draft,
    FiscalJob,
    CashMovement,
]

__all__ = [
    "ALL_MODELS",
    "UNITS",
    "AuditEntry",
    "Barcode",
    "BaseModel",
    "CashMovement",
    "Customer",
    "Draft",
    "Employee",
    "FiscalJob",
    "LineAdjustment",
    "Location",
    "Manufacturer",
    "MoneyField",
    "Payment",
    "Product",
    "ProductGroup",
    "QtyField",
    "Receipt",
    "ReceiptLine",
    "SchemaVersion",
    "Setting",
    "Shift",
    "StockMovement",
]

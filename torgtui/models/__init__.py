"""Peewee tables only, grouped by subject. Import from here."""

from torgtui.models.base import BaseModel, MoneyField, QtyField
from torgtui.models.bundles import MODELS as BUNDLE_MODELS
from torgtui.models.calls import MODELS as CALL_MODELS
from torgtui.models.calls import PhoneCall
from torgtui.models.catalog import (
    UNITS,
    Barcode,
    Location,
    Manufacturer,
    Product,
    ProductGroup,
    StockMovement,
    fold_name,
)
from torgtui.models.certificates import MODELS as CERTIFICATE_MODELS
from torgtui.models.certificates import (
    Certificate,
    CertificateBatch,
    CertificateType,
    CertificateUse,
)
from torgtui.models.codes import MODELS as CODE_MODELS
from torgtui.models.costs import MODELS as COST_MODELS
from torgtui.models.customers import (
    Contact,
    Customer,
    CustomerInterest,
    CustomerPhone,
    CustomerWord,
    DeliveryAddress,
    FamilyMember,
    Reminder,
    phone_tail,
)
from torgtui.models.invoices import MODELS as INVOICE_MODELS
from torgtui.models.loyalty import MODELS as LOYALTY_MODELS
from torgtui.models.loyalty import (
    CardAccelerator,
    CardGroupRate,
    CardThreshold,
    CardType,
    LedgerAccount,
    LedgerEntry,
    LedgerMatch,
    LedgerOpen,
    OutboxMessage,
    RolePermission,
)
from torgtui.models.mailings import MODELS as MAILING_MODELS
from torgtui.models.messages import MODELS as MESSAGE_MODELS
from torgtui.models.messages import CustomerConsent, StopListEntry
from torgtui.models.meta import SchemaVersion, Setting
from torgtui.models.partners import MODELS as PARTNER_MODELS
from torgtui.models.preorders import MODELS as PREORDER_MODELS
from torgtui.models.prices import MODELS as PRICE_MODELS
from torgtui.models.promotions import MODELS as PROMOTION_MODELS
from torgtui.models.referral import MODELS as REFERRAL_MODELS
from torgtui.models.sales import (
    CashMovement,
    Draft,
    FiscalJob,
    LineAdjustment,
    Payment,
    Receipt,
    ReceiptCounter,
    ReceiptLine,
    Shift,
)
from torgtui.models.staff import Approval, AuditEntry, Employee
from torgtui.models.stockdocs import MODELS as STOCK_DOCUMENT_MODELS
from torgtui.models.templates import MODELS as TEMPLATE_MODELS
from torgtui.models.templates import MessageTemplate
from torgtui.models.verification import MODELS as VERIFICATION_MODELS
from torgtui.models.vip import MODELS as VIP_MODELS

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
    CustomerPhone,
    CustomerWord,
    FamilyMember,
    CustomerInterest,
    Contact,
    Reminder,
    DeliveryAddress,
    Approval,
    ReceiptCounter,
    *LOYALTY_MODELS,
    *PRICE_MODELS,
    *VIP_MODELS,
    *PROMOTION_MODELS,
    *CODE_MODELS,
    *BUNDLE_MODELS,
    *PREORDER_MODELS,
    *COST_MODELS,
    *TEMPLATE_MODELS,
    *CALL_MODELS,
    *MESSAGE_MODELS,
    *VERIFICATION_MODELS,
    *MAILING_MODELS,
    *STOCK_DOCUMENT_MODELS,
    *CERTIFICATE_MODELS,
    *REFERRAL_MODELS,
    *PARTNER_MODELS,
    *INVOICE_MODELS,
]

__all__ = [
    "ALL_MODELS",
    "UNITS",
    "Approval",
    "AuditEntry",
    "Barcode",
    "BaseModel",
    "CardAccelerator",
    "CardGroupRate",
    "CardThreshold",
    "CardType",
    "CashMovement",
    "Certificate",
    "CertificateBatch",
    "CertificateType",
    "CertificateUse",
    "Contact",
    "Customer",
    "CustomerConsent",
    "CustomerInterest",
    "CustomerPhone",
    "CustomerWord",
    "DeliveryAddress",
    "Draft",
    "Employee",
    "FamilyMember",
    "FiscalJob",
    "LedgerAccount",
    "LedgerEntry",
    "LedgerMatch",
    "LedgerOpen",
    "LineAdjustment",
    "Location",
    "Manufacturer",
    "MessageTemplate",
    "MoneyField",
    "OutboxMessage",
    "Payment",
    "PhoneCall",
    "Product",
    "ProductGroup",
    "QtyField",
    "Receipt",
    "ReceiptCounter",
    "ReceiptLine",
    "Reminder",
    "RolePermission",
    "SchemaVersion",
    "Setting",
    "Shift",
    "StockMovement",
    "StopListEntry",
    "fold_name",
    "phone_tail",
]

"""Gift certificates: the one place to call them from (docs/certificates.md has the whole
design; the tables are torgtui.models.certificates).

Three modes: **money** (a face value spent as a tender, whole or in parts, its balance on the
one ledger), **product** (a stocked catalog good, sold through the fiscal unit like goods and
exchanged once for goods worth its face value) and **discount** (a deferred discount off a
later purchase). Types and batches: certificates_types; a certificate's life (look-up,
state, activation): certificates_life; status changes (block, give, reissue, expiry):
certificates_status; the register (code field, discount and pricing steps, tender):
certificates_sale, and in the receipt's transaction (sale and return hooks):
certificates_checkout; the analysis: certificates_report.
"""

from __future__ import annotations

from torgtui.marketing.certificates_life import (
    OWNER,
    BarcodeRow,
    CertState,
    account_of,
    activate,
    balance_of,
    barcodes,
    describe,
    expiry,
    find,
    for_customer,
    lives,
    show_lines,
    state,
    status_title,
    uses,
)
from torgtui.marketing.certificates_report import TypeFigures, analysis
from torgtui.marketing.certificates_sale import (
    MARK,
    TENDER,
    Cover,
    cover,
    offered,
    remove_certificate,
)
from torgtui.marketing.certificates_status import (
    block,
    expire_due,
    give,
    reissue,
    unblock,
    write_off,
)
from torgtui.marketing.certificates_types import (
    DEFAULT_PREFIX,
    TypeData,
    check_type,
    issue_batch,
    next_barcodes,
    save_type,
    type_data,
    type_of,
    types,
)

__all__ = [
    "DEFAULT_PREFIX",
    "MARK",
    "OWNER",
    "TENDER",
    "BarcodeRow",
    "CertState",
    "Cover",
    "TypeData",
    "TypeFigures",
    "account_of",
    "activate",
    "analysis",
    "balance_of",
    "barcodes",
    "block",
    "check_type",
    "cover",
    "describe",
    "expire_due",
    "expiry",
    "find",
    "for_customer",
    "give",
    "issue_batch",
    "lives",
    "next_barcodes",
    "offered",
    "reissue",
    "remove_certificate",
    "save_type",
    "show_lines",
    "state",
    "status_title",
    "type_data",
    "type_of",
    "types",
    "unblock",
    "uses",
    "write_off",
]

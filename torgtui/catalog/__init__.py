"""Catalog services: products, groups, manufacturers, barcodes, stock ledger, CSV import."""

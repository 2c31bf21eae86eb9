"""Fiscal units: the Checkbox cloud PRRO, serial fiscal printers, and a sandbox for the demo.

Every backend implements :class:`torgtui.hw.fiscal.base.FiscalUnit`; receipts reach it only
through the persistent queue (:mod:`torgtui.hw.fiscal.queue`), in order and exactly once.
"""

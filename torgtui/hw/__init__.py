"""The register's devices. Before any of them imports python-escpos, its printer database is
pointed at the user's cache (torgtui.hw.escpos_cache: read in a few ms instead of parsed)."""

from torgtui.hw.escpos_cache import prepare

prepare()

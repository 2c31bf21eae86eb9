"""Translation of every user-facing string: ``_()`` and ``ngettext()`` over gettext catalogs.

Catalogs live in ``torgtui/locale/<lang>/LC_MESSAGES/torgtui.po`` (edited) and ``.mo``
(compiled by ``make i18n``; a test keeps the two in step). English is the source language.

``_()`` looks the string up in the catalog chosen *now*, so call :func:`set_language` before
screens are imported: their class-level binding descriptions are translated at import time.
"""

from __future__ import annotations

import gettext
from pathlib import Path

from torgtui.errors import ConfigError

LANGUAGES = {"en": "English", "uk": "Українська"}
DOMAIN = "torgtui"
LOCALE_DIR = Path(__file__).with_name("locale")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def set_language(code: str) -> None:
    """Switch every later ``_()`` call to ``code`` ("en" or "uk")."""
    global _translation, _language
    code = (code or "en").strip().lower()
    if code not in LANGUAGES:
        raise ConfigError(
            f"Unknown language {code!r}: choose one of {', '.join(sorted(LANGUAGES))} "
            "(--lang, TORGTUI_LANG or ui.language in the settings file)."
        )
    if code == "en":
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)
    _language = code


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)

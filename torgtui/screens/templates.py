"""Message templates (the Mailings area): the list of every automatic notice and mailing
template, and the editor of one: the text per language (F5 switches), the e-mail subject, the
Viber image, button and link, a live SMS counter with what Latin letters would save (F8 sends
the SMS in Latin letters), and a preview on a customer chosen by card or phone (F3, or Enter
in its field). Saving goes through torgtui.channels.templates, which refuses an unknown
variable or a long Viber button in words and audits every change.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from torgtui.channels import templates as tp
from torgtui.channels.gateway import ViberExtras
from torgtui.channels.sms_text import SmsLength, sms_parts
from torgtui.channels.template_text import LANGUAGES, VARIABLES, language_name, typical_text
from torgtui.channels.translit import transliterate
from torgtui.customers.service import customers_by_phone_or_card
from torgtui.errors import ValidationError
from torgtui.i18n import _, ngettext
from torgtui.screens.area import AreaScreen
from torgtui.screens.areas import Area
from torgtui.screens.office import OfficeJobs, fit
from torgtui.screens.office_dialogs import FormDialog, FormField
from torgtui.screens.till_dialogs import ConfirmDialog

HERE = Path(__file__).parent
# template (the rest), languages, whose text, SMS in Latin
LIST_WIDTHS = (0, 6, 10, 6)


def counter_text(text: str, shop: str, latin: bool) -> str:
    """The SMS counter under the text: the typed text with typical values, its encoding,
    characters, parts and what is left; and what Latin letters change."""
    filled = typical_text(text, shop)
    plain, translit = sms_parts(filled), sms_parts(transliterate(filled))

    def described(found: SmsLength) -> str:
        return _("{chars} chars, {encoding}, {parts}, {left} left").format(
            chars=found.chars,
            encoding="GSM-7" if found.encoding == "gsm7" else "UCS-2",
            parts=ngettext("{n} part", "{n} parts", found.parts).format(n=found.parts),
            left=found.left,
        )

    if latin:
        return _("SMS in Latin: {length} (as typed: {parts}; F8 off)").format(
            length=described(translit),
            parts=ngettext("{n} part", "{n} parts", plain.parts).format(n=plain.parts),
        )
    saved = plain.parts - translit.parts
    return _("SMS: {length} · Latin: {parts}, saves {saved} (F8)").format(
        length=described(plain),
        parts=ngettext("{n} part", "{n} parts", translit.parts).format(n=translit.parts),
        saved=saved,
    )


class TemplatesScreen(OfficeJobs, AreaScreen):
    """Every template: the automatic notices (the shop's text or the built-in one) and the
    mailing templates. Enter edits, Insert adds a mailing template, Delete takes the shop's
    text away (the built-in one comes back; a mailing template is removed)."""

    CSS_PATH = [HERE / "area.tcss", HERE / "templates.tcss"]
    AUTO_FOCUS = "#templates"
    BINDINGS = [
        Binding("enter", "edit", _("Edit"), id="templates.edit"),
        Binding("insert", "new", _("New mailing template"), id="templates.new"),
        Binding("delete", "reset", _("Reset"), id="templates.reset"),
    ]

    def __init__(self, area: Area) -> None:
        super().__init__(area)
        self.rows: list[tp.Template] = []

    def place(self) -> str:
        return _("Message templates")

    def compose_body(self) -> ComposeResult:
        yield Label(
            _("Enter edits a template, Insert adds a mailing template, Delete resets one."),
            classes="templates-hint",
        )
        yield DataTable(id="templates", cursor_type="row", zebra_stripes=True)
        yield Label("", id="templates-message", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#templates", DataTable)
        titles = (_("Template"), _("Texts"), _("Source"), _("SMS"))
        for title, width in zip(titles, self.widths(), strict=True):
            table.add_column(title, width=width)
        self.read()

    def widths(self) -> tuple[int, ...]:
        fixed = sum(LIST_WIDTHS) + 2 * len(LIST_WIDTHS)
        room = max(10, min(self.app.size.width, 80) - 3 - fixed)
        return tuple(w or room for w in LIST_WIDTHS)

    def read(self) -> None:
        self.job(tp.templates, self.show)

    def show(self, rows: list[tp.Template]) -> None:
        self.rows = rows
        table = self.query_one("#templates", DataTable)
        at = table.cursor_row
        table.clear()
        for found in rows:
            cells = (
                found.title,
                " ".join(lang for lang in LANGUAGES if found.texts.get(lang)),
                _("own") if found.custom else _("built-in"),
                _("Latin") if found.sms_latin else "",
            )
            table.add_row(
                *(Text(fit(c, w), no_wrap=True) for c, w in zip(cells, self.widths(), strict=True)),
                key=found.kind,
            )
        if at:
            table.move_cursor(row=min(at, table.row_count - 1))

    def say(self, text: str) -> None:
        message = self.query_one("#templates-message", Label)
        message.update(text)
        message.display = bool(text)

    def current(self) -> tp.Template | None:
        table = self.query_one("#templates", DataTable)
        if 0 <= table.cursor_row < len(self.rows):
            return self.rows[table.cursor_row]
        return None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        found = self.current()
        if found is not None:
            self.open_editor(found, new=False)

    def open_editor(self, found: tp.Template, *, new: bool) -> None:
        self.say("")
        self.app.push_screen(TemplateScreen(self.area, found, new=new), lambda _r: self.read())

    def action_new(self) -> None:
        def parse(values: dict[str, str]) -> str:
            kind = tp.mailing_kind(values["name"])
            if any(row.kind == kind for row in self.rows):
                raise ValidationError(_("A template with this name exists: choose it in the list."))
            return kind

        def chosen(kind: str | None) -> None:
            if kind:
                self.open_editor(tp.Template(kind, {"uk": "", "en": ""}), new=True)

        self.app.push_screen(
            FormDialog(
                _("New mailing template"),
                [FormField("name", _("Name"), placeholder=_("for example: Spring sale"))],
                parse,
            ),
            chosen,
        )

    def action_reset(self) -> None:
        found = self.current()
        if found is None:
            return
        if not found.custom:
            self.say(_("This is the built-in text already: Enter to write your own."))
            return
        employee, clock = self.app.employee, self.app.clock
        question = (
            _("Remove the mailing template {name}?")
            if found.kind.startswith(tp.MAILING_PREFIX)
            else _("Send the built-in text for {name} again?")
        ).format(name=found.title)

        def answered(yes: bool | None) -> None:
            if yes:
                self.job(lambda: tp.reset_template(found.kind, by=employee, clock=clock), done)

        def done(_result: object) -> None:
            self.app.notify(_("Template {name} reset.").format(name=found.title))
            self.read()

        self.app.push_screen(ConfirmDialog(_("Reset the template"), question), answered)


class VariablesDialog(ModalScreen[str | None]):
    """The variables a text may use, with what each means; Enter puts the chosen one in."""

    CSS_PATH = HERE / "templates.tcss"
    BINDINGS = [Binding("escape", "dismiss(None)", _("Back"), id="variables.back")]

    def compose(self) -> ComposeResult:
        names = list(VARIABLES)
        width = max(len(n) for n in names) + 2
        with Horizontal(id="variables-box"):
            yield OptionList(
                *(
                    Option(fit("{" + n + "}", width) + " " + fit(VARIABLES[n], 54), id=n)
                    for n in names
                ),
                id="variables",
            )
        yield Footer(compact=True, show_command_palette=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class TemplateScreen(OfficeJobs, AreaScreen):
    """One template: the text in one language at a time (F5 the other), the subject and the
    Viber extras of that template, the SMS counter, and a preview. F2 saves, Escape goes back
    without saving."""

    CSS_PATH = [HERE / "area.tcss", HERE / "templates.tcss"]
    BINDINGS = [
        Binding("f2", "save", _("Save"), id="template.save"),
        Binding("f3", "preview", _("Preview"), id="template.preview"),
        Binding("f4", "variables", _("Variables"), id="template.variables"),
        Binding("f5", "language", _("Language"), id="template.language"),
        # not F6 or F7: the text area's (select the line, select all)
        Binding("f8", "latin", _("Latin"), id="template.latin"),
    ]

    def __init__(self, area: Area, template: tp.Template, *, new: bool = False) -> None:
        super().__init__(area)
        self.template = template
        self.new = new
        self.texts = {lang: template.texts.get(lang, "") for lang in LANGUAGES}
        self.subjects = {lang: template.subjects.get(lang, "") for lang in LANGUAGES}
        self.language = LANGUAGES[0]
        self.sms_latin = template.sms_latin

    def place(self) -> str:
        return self.template.title  # "Template: " would leave a long name no room

    def compose_body(self) -> ComposeResult:
        viber = self.template.viber or ViberExtras()
        yield Label("", id="tpl-language", classes="templates-hint", markup=False)
        yield TextArea(
            self.texts[self.language],
            id="tpl-text",
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
        )
        yield Label("", id="tpl-counter", markup=False)

        def row(key: str, label: str, value: str, **kw: Any) -> ComposeResult:
            yield Label(label, classes="tpl-label", id=f"tpl-{key}-label", markup=False)
            yield Input(value, compact=True, id=f"tpl-{key}", select_on_focus=False, **kw)

        with Horizontal(classes="tpl-row", id="tpl-subject-row"):
            yield from row("subject", _("E-mail subject"), self.subjects[self.language])
        with Horizontal(classes="tpl-row"):
            yield from row("image", _("Viber image"), viber.image_url, placeholder="https://")
        with Horizontal(classes="tpl-row"):
            yield from row("button", _("Viber button"), viber.button_text)
            yield from row("link", _("link"), viber.button_url, placeholder="https://")
        with Horizontal(classes="tpl-row"):
            yield from row(
                "customer", _("Preview on"), "", placeholder=_("card or phone, then Enter")
            )
        yield Static("", id="tpl-preview", markup=False)
        yield Label("", id="templates-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#tpl-text", TextArea).focus()
        self.show_language()
        self.count()

    # --- what is typed --------------------------------------------------------------------

    def keep_typed(self) -> None:
        """The text and subject on screen into the current language's."""
        self.texts[self.language] = self.query_one("#tpl-text", TextArea).text
        self.subjects[self.language] = self.query_one("#tpl-subject", Input).value

    def show_language(self) -> None:
        other = LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
        self.query_one("#tpl-language", Label).update(
            _("Text in {language} (F5: {other}), F4: variables").format(
                language=language_name(self.language), other=language_name(other)
            )
        )

    def count(self) -> None:
        text = self.query_one("#tpl-text", TextArea).text
        shop = self.app.settings.store.name
        self.query_one("#tpl-counter", Label).update(counter_text(text, shop, self.sms_latin))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self.count()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "tpl-customer":
            self.action_preview()
        else:
            self.focus_next()

    def say(self, text: str) -> None:
        message = self.query_one("#templates-message", Label)
        message.update(text)
        message.display = bool(text)

    def draft(self) -> dict[str, Any]:
        """The typed template as the service's arguments."""
        self.keep_typed()
        viber = ViberExtras(
            self.query_one("#tpl-image", Input).value,
            self.query_one("#tpl-button", Input).value,
            self.query_one("#tpl-link", Input).value,
        )
        return {
            "texts": dict(self.texts),
            "subjects": dict(self.subjects),
            "viber": viber,
            "sms_latin": self.sms_latin,
        }

    # --- keys -------------------------------------------------------------------------------

    def action_language(self) -> None:
        self.keep_typed()
        self.language = LANGUAGES[(LANGUAGES.index(self.language) + 1) % len(LANGUAGES)]
        self.query_one("#tpl-text", TextArea).load_text(self.texts[self.language])
        self.query_one("#tpl-subject", Input).value = self.subjects[self.language]
        self.show_language()
        self.count()

    def action_latin(self) -> None:
        self.sms_latin = not self.sms_latin
        self.count()

    def action_variables(self) -> None:
        def chosen(name: str | None) -> None:
            area = self.query_one("#tpl-text", TextArea)
            if name:
                area.insert("{" + name + "}")
            area.focus()

        self.app.push_screen(VariablesDialog(), chosen)

    def action_preview(self) -> None:
        query = self.query_one("#tpl-customer", Input).value.strip()
        if not query:
            self.say(_("Type a card number or a phone in 'Preview on', then press Enter."))
            self.query_one("#tpl-customer", Input).focus()
            return
        kind, args = self.template.kind, self.draft()
        moment: dt.datetime = self.app.clock()
        shop = self.app.settings.store.name

        def find() -> tp.Preview:
            found = customers_by_phone_or_card(query)
            if not found:
                raise ValidationError(
                    _("No card with the number or phone {text}.").format(text=query[:40])
                )
            draft = tp.clean(
                kind, args["texts"], args["subjects"], args["viber"], sms_latin=args["sms_latin"]
            )
            return tp.preview(kind, found[0].id, at=moment, shop=shop, draft=draft)

        self.say("")
        self.job(find, self.show_preview)

    def show_preview(self, shown: tp.Preview) -> None:
        rendered = shown.rendered
        sms = sms_parts(rendered.text_for("sms"))
        head = _("{name} ({language}), SMS {parts}:").format(
            name=shown.customer_name,
            language=rendered.language,
            parts=ngettext("{n} part", "{n} parts", sms.parts).format(n=sms.parts),
        )
        lines = [head, rendered.text_for("sms")]
        if shown.samples:
            lines.append(
                _("Examples for: {names}").format(
                    names=", ".join("{" + n + "}" for n in shown.samples)
                )
            )
        self.query_one("#tpl-preview", Static).update("\n".join(lines))

    def action_save(self) -> None:
        args = self.draft()
        kind, title = self.template.kind, self.template.title
        employee, clock = self.app.employee, self.app.clock

        def saved(_found: object) -> None:
            self.app.notify(_("Template {name} saved.").format(name=title))
            self.dismiss(kind)

        self.say("")
        self.job(lambda: tp.save_template(kind, by=employee, clock=clock, **args), saved)

    def action_back(self) -> None:
        if self.app.screen is self:
            self.dismiss(None)

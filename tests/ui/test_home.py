"""The home menu: every area by its key and back with Escape, the palette provider, and the
permission checks made by the staff service."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Label, OptionList

from torgtui.app import TorgApp
from torgtui.screens.area import AreaScreen, PendingAreaScreen
from torgtui.screens.areas import areas
from torgtui.screens.audit import AuditScreen
from torgtui.screens.commands import AreaCommands
from torgtui.screens.customers import CustomerListScreen
from torgtui.screens.home import HomeScreen
from torgtui.screens.loyalty import LoyaltyScreen
from torgtui.screens.mailings import MailingsScreen
from torgtui.screens.roles import RolesScreen
from torgtui.screens.sale import SaleScreen
from torgtui.screens.settings import SettingsScreen
from torgtui.screens.vip import VipListScreen

from .helpers import label_text, log_in, make_settings, settle


async def test_owner_opens_every_area_by_key_and_comes_back(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        home = app.screen
        assert isinstance(home, HomeScreen)
        for area in areas():
            await pilot.press(area.key)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AreaScreen), area.id
            assert screen.area.id == area.id
            assert home.message == ""
            if area.id == "settings":
                assert isinstance(screen, SettingsScreen)
            elif area.id == "audit":
                assert isinstance(screen, AuditScreen)
            elif area.id == "sale":
                assert isinstance(screen, SaleScreen)
            elif area.id == "customers":
                assert isinstance(screen, CustomerListScreen)
            elif area.id == "vip":
                assert isinstance(screen, VipListScreen)
            elif area.id == "loyalty":
                assert isinstance(screen, LoyaltyScreen)
            elif area.id == "mailings":
                assert isinstance(screen, MailingsScreen)
            elif area.id == "certificates":
                assert type(screen).__name__ == "CertificatesScreen"
            elif area.id == "invoices":
                assert type(screen).__name__ == "InvoicesScreen"
            elif area.id == "stock":
                assert type(screen).__name__ == "StockDocumentsScreen"
            elif area.id == "partners":
                assert type(screen).__name__ == "PartnersScreen"
            else:
                assert isinstance(screen, PendingAreaScreen)
                assert label_text(app, "#area-pending") == area.pending
                assert "not built yet" in area.pending
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is home


async def test_area_bindings_have_ids_and_descriptions(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        active = app.screen.active_bindings
        for area in areas():
            binding = active[area.key].binding
            assert binding.id == f"home.{area.id}"
            assert binding.description == area.title
        assert active["ctrl+l"].binding.id == "app.lock"
        assert active["ctrl+o"].binding.id == "app.logout"


async def test_enter_on_the_list_opens_the_highlighted_area(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, VipListScreen)
        assert app.screen.area.id == "vip"


async def test_cashier_sees_only_the_areas_she_may_open(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "3333")
        home = app.screen
        shown = home.query_one("#home-areas", OptionList)
        ids = [shown.get_option_at_index(i).id for i in range(shown.option_count)]
        assert ids == ["sale", "customers", "vip", "certificates", "partners", "invoices"]
        for key in ("4", "7", "8", "9", "0"):  # the keys of hidden areas do nothing
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is home and home.message == ""
        app.open_area("settings")  # and a direct call is still refused by the service
        await pilot.pause()
        assert app.screen is home and "may not change settings" in home.message
        provider = AreaCommands(app.screen)
        names = [hit.text async for hit in provider.discover()]
        assert "Settings" not in names and "Audit log" not in names and "Sale" in names
        # an allowed area clears the message
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, SaleScreen)
        assert home.message == ""


async def test_support_may_not_sell_but_sees_settings(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Petro Support", "5555")
        shown = app.screen.query_one("#home-areas", OptionList)
        ids = [shown.get_option_at_index(i).id for i in range(shown.option_count)]
        assert "sale" not in ids and "settings" in ids
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("9")
        await pilot.pause()
        assert isinstance(app.screen, SettingsScreen)


async def test_manager_is_not_offered_settings_nor_told_to_ask_a_manager(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        shown = app.screen.query_one("#home-areas", OptionList)
        ids = [shown.get_option_at_index(i).id for i in range(shown.option_count)]
        assert "settings" not in ids and "reports" in ids
        app.open_area("settings")
        await pilot.pause()
        message = app.screen.message
        assert "may not change settings" in message and "a manager" not in message


async def test_palette_provider_offers_areas_lock_and_logout(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        provider = AreaCommands(app.screen)
        assert [hit async for hit in provider.discover()] == []  # nobody logged in
        await log_in(pilot, "Olena Owner", "1111")
        provider = AreaCommands(app.screen)
        names = [hit.text async for hit in provider.discover()]
        assert names == [
            *(area.title for area in areas()),
            "Card types and thresholds",
            "Accelerators",
            "Loyalty policy",
            "Write off a card's bonuses",
            "Write off bonuses by filter",
            "Promotions",
            "Promo codes",
            "Sets",
            "Pre-orders",
            "Message templates",
            "Role settings",
            "Call journal",
            "Missed calls",
            "Lock",
            "Log out",
        ]
        hits = [hit async for hit in provider.search("audit")]
        assert [hit.text for hit in hits] == ["Audit log"]
        hits[0].command()
        await settle(pilot)
        assert isinstance(app.screen, AuditScreen)
        # from an area, the palette opens another area through home
        hits = [hit async for hit in provider.search("certif")]
        hits[0].command()
        await pilot.pause()
        assert app.screen.area.id == "certificates"
        assert [type(s) for s in app.screen_stack[1:]] == [HomeScreen, type(app.screen)]
        # a section inside an area: the role settings, through Settings
        hits = [hit async for hit in provider.search("role settings")]
        hits[0].command()
        await settle(pilot)
        assert [type(s) for s in app.screen_stack[1:]] == [HomeScreen, SettingsScreen, RolesScreen]


async def test_palette_opened_and_typed(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"settings")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)


async def test_settings_area_is_read_only_and_hides_secrets(tmp_path, sqlite_db, clock):
    from torgtui import staff as st

    st.create_employee("Olena Owner", st.Role.OWNER, "1111", by=None, system=True, clock=clock)
    settings = make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{"devices.checkbox_license_key": "secret-licence", "devices.checkbox_pin": "7777"},
    )
    settings.database.url = "postgresql://shop:hunter2@db.local/shop"
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        await pilot.press("9")
        await pilot.pause()
        screen = app.screen
        text = "\n".join(str(w.content) for w in screen.query("#settings-body Label, Static"))
        assert f"Settings file: {settings.source}" in text
        assert "edit the settings file" in text
        assert "name = Kramnytsia" in text
        assert "group A = ПДВ 20%, 20%" in text
        assert "url = postgresql://shop:***@db.local/shop" in text
        assert "checkbox_license_key = ***" in text
        assert "hunter2" not in text and "secret-licence" not in text and "7777" not in text
        for widget in screen.query("#settings-body Label, Static"):
            assert widget.region.right <= 80


async def test_footer_fits_80_columns(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        for screen_key in ["", "9", "0", "1"]:
            if screen_key:
                await pilot.press("escape", screen_key)
                await settle(pilot)
            if screen_key == "1":  # the sale screen's key line (widgets/key_line.py)
                keys = str(app.screen.query_one("#sale-keyline").content)
                assert keys and cell_len(keys) <= 80
            else:
                footer = app.screen.query_one("Footer")
                assert footer.virtual_size.width <= 80
            assert all(label.region.right <= 80 for label in app.screen.query(Label))


async def test_textual_own_strings_go_through_the_catalog(settings, ui_staff, clock):
    """The footer's palette key and the Ctrl+C toast are ours, so --lang uk translates them."""
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        palette = app.screen.active_bindings["ctrl+p"].binding
        assert palette.id == "app.palette" and palette.description == "palette"
        app.action_help_quit()
        await pilot.pause()
        assert [n.message for n in app._notifications][-1] == "Press Ctrl+Q to quit the register."

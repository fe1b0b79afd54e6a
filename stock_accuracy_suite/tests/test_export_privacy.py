from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.stock_accuracy.tests.common import call_kw

WSDL_FILE = "stock_accuracy_sync/static/wsdl/stock_accuracy_sync.wsdl"
SHEET = "stock.accuracy.count.sheet.export"
KPI = "stock.accuracy.kpi.export.wizard"


@tagged("post_install", "-at_install")
class TestExportPrivacy(HttpCase):
    """Exports (Excel count sheets, KPI workbooks) are private to the user who made them and
    the Accuracy Managers of their company, whatever the path (ORM, JSON-RPC, /web/content,
    ir.attachment), and expire; external mappings and outbox posts keep to their company.
    Broken the way a user with a JSON-RPC client would try."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Privacy Other Co"})
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.other_warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.other_company.id)], limit=1
        )

        def user(login, group, company=cls.company):
            return new_test_user(
                cls.env,
                login,
                groups=f"stock_accuracy.{group}",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )

        cls.author = user("sa_priv_author", "group_accuracy_counter")
        cls.colleague = user("sa_priv_colleague", "group_accuracy_counter")
        cls.manager = user("sa_priv_manager", "group_accuracy_manager")
        cls.foreign_manager = user("sa_priv_foreign", "group_accuracy_manager", cls.other_company)
        product = cls.env["product.product"].create({"name": "Privacy Bolt", "is_storable": True})
        cls.env["stock.quant"]._update_available_quantity(product, cls.warehouse.lot_stock_id, 5)
        cls.product = product
        cls.count = cls.env["stock.accuracy.count"]._create_full_count(
            cls.warehouse, cls.warehouse.lot_stock_id, fields.Date.today(), cls.author
        )

    # -- helpers ---------------------------------------------------------------------------------
    def _sheet(self):
        """A count sheet exported by the author: (export, its download URL)."""
        action = self.count.with_user(self.author).action_export_count_sheet_xlsx()
        export_id = int(action["url"].split("?")[0].rsplit("/", 1)[1])
        return self.env[SHEET].browse(export_id), action["url"]

    def _attachment(self, export):
        return (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [("res_model", "=", SHEET), ("res_id", "=", export.id), ("res_field", "=", "file")]
            )
        )

    def _expire(self, export):
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET create_date = %s WHERE id = %s",
                SQL.identifier(export._table),
                fields.Datetime.now() - timedelta(hours=2),
                export.id,
            )
        )
        self.env.invalidate_all()

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _rpc(self, model, method, *args):
        """The decoded JSON-RPC answer of ``model.method(*args)`` through call_kw."""
        return call_kw(self, model, method, list(args))

    def _assert_rpc_access_error(self, answer, text=None):
        self.assertNotIn("result", answer)
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        if text:
            self.assertIn(text, answer["error"]["data"]["message"])

    # -- count sheets ----------------------------------------------------------------------------
    def test_export_hidden_from_colleague_and_other_company_in_the_orm(self):
        export, _url = self._sheet()
        self.assertEqual(export.company_id, self.company)
        for user in (self.colleague, self.foreign_manager):
            Export = self.env[SHEET].with_user(user)
            self.assertFalse(Export.search([("id", "=", export.id)]))
            with self.assertRaises(AccessError):
                Export.browse(export.id).read(["file", "filename"])
            with self.assertRaises(AccessError):
                Export.browse(export.id).file  # noqa: B018
            attachment = self._attachment(export).with_user(user)
            with self.assertRaises(AccessError):
                attachment.read(["datas"])
            self.assertFalse(
                self.env["ir.attachment"]
                .with_user(user)
                .search([("res_model", "=", SHEET), ("res_field", "=", "file")])
            )

    def test_export_downloaded_only_by_author_and_manager_over_http(self):
        export, url = self._sheet()
        attachment = self._attachment(export)
        web_content = f"/web/content?model={SHEET}&id={export.id}&field=file&download=true"
        for user in (self.colleague, self.foreign_manager):
            self._login(user)
            for path in (url, web_content, f"/web/content/{attachment.id}"):
                response = self.url_open(path)
                self.assertIn(response.status_code, (403, 404), f"{user.login}: {path}")
                self.assertNotEqual(response.content[:2], b"PK")
            self._assert_rpc_access_error(self._rpc(SHEET, "read", [export.id], ["file"]))
            self._assert_rpc_access_error(
                self._rpc("ir.attachment", "read", [attachment.id], ["datas"])
            )
            self.assertEqual(self._rpc(SHEET, "search", [])["result"], [])
        for user in (self.author, self.manager):
            self._login(user)
            for path in (url, web_content):
                response = self.url_open(path)
                self.assertEqual(response.status_code, 200, f"{user.login}: {path}")
                self.assertEqual(response.content[:2], b"PK", "an xlsx (zip) file")
                if path == url:
                    self.assertIn("Count Sheet", response.headers["Content-Disposition"])
            self.assertEqual(self._rpc(SHEET, "search", [])["result"], [export.id])

    def test_expired_export_refused_with_a_clear_error(self):
        export, url = self._sheet()
        attachment = self._attachment(export)
        self._expire(export)
        Export = self.env[SHEET].with_user(self.author)
        self.assertFalse(Export.search([("id", "=", export.id)]))
        with self.assertRaisesRegex(AccessError, "expired"):
            Export.browse(export.id).file  # noqa: B018
        with self.assertRaises(AccessError):
            attachment.with_user(self.author).read(["datas"])
        self._login(self.author)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 410)
        self.assertIn("This export has expired", response.text)
        response = self.url_open(f"/web/content?model={SHEET}&id={export.id}&field=file")
        self.assertEqual(response.status_code, 404)
        self._assert_rpc_access_error(self._rpc(SHEET, "read", [export.id], ["file"]), "expired")
        self._assert_rpc_access_error(
            self._rpc("ir.attachment", "read", [attachment.id], ["datas"])
        )
        response = self.url_open(f"/web/content/{attachment.id}")
        self.assertIn(response.status_code, (403, 404))
        self.assertEqual(self.env[SHEET]._transient_max_hours, 1, "vacuumed once expired")

    # -- KPI workbooks ---------------------------------------------------------------------------
    def test_kpi_export_for_its_author_and_the_managers_of_its_company(self):
        colleague_manager = new_test_user(
            self.env, "sa_priv_manager_2", groups="stock_accuracy.group_accuracy_manager"
        )
        wizard = (
            self.env[KPI]
            .with_user(self.manager)
            .create({"date_from": "2024-01-01", "date_to": "2024-01-31"})
        )
        self.assertEqual(wizard.company_id, self.company)
        url = wizard.action_export()["url"]
        for user in (self.colleague, self.foreign_manager):
            self._login(user)
            self.assertEqual(self.url_open(url).status_code, 404, user.login)
            self._assert_rpc_access_error(self._rpc(KPI, "read", [wizard.id], ["date_from"]))
        self._login(self.foreign_manager)
        self.assertEqual(self._rpc(KPI, "search", [])["result"], [])
        for user in (self.manager, colleague_manager):
            self._login(user)
            response = self.url_open(url)
            self.assertEqual(response.status_code, 200, user.login)
            self.assertEqual(response.content[:2], b"PK")
        self._expire(wizard)
        self._login(self.manager)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 410)
        self.assertIn("This export has expired", response.text)

    # -- external mappings and outbox ------------------------------------------------------------
    def _backend(self, warehouse, **values):
        return self.env["stock.accuracy.backend"].create(
            {
                "name": f"3PL {warehouse.name}",
                "company_id": warehouse.company_id.id,
                "warehouse_id": warehouse.id,
                "wsdl_url": WSDL_FILE,
                "endpoint_url": "http://127.0.0.1:9/soap",
                **values,
            }
        )

    def test_other_companys_mappings_neither_read_nor_rewritten(self):
        backend = self._backend(self.other_warehouse)
        own_backend = self._backend(self.warehouse)
        mappings = [
            self.env["stock.accuracy.backend.product"].create(
                {"backend_id": backend.id, "external_code": "B-1", "product_id": self.product.id}
            ),
            self.env["stock.accuracy.backend.location"].create(
                {
                    "backend_id": backend.id,
                    "external_code": "B-MAIN",
                    "location_id": self.other_warehouse.lot_stock_id.id,
                }
            ),
        ]
        for mapping in mappings:
            self.assertEqual(mapping.company_id, self.other_company)
            as_manager = mapping.with_user(self.manager)
            self.assertFalse(as_manager.search([("id", "=", mapping.id)]))
            with self.assertRaises(AccessError):
                as_manager.read(["external_code"])
            with self.assertRaises(AccessError):
                as_manager.write({"external_code": "HIJACKED"})
            with self.assertRaises(AccessError):
                as_manager.write({"backend_id": own_backend.id})
            with self.assertRaises(AccessError):
                as_manager.unlink()
            self.assertTrue(mapping.with_user(self.foreign_manager).read(["external_code"]))
        with self.assertRaises(AccessError):
            self.env["stock.accuracy.backend.product"].with_user(self.manager).create(
                {"backend_id": backend.id, "external_code": "B-2", "product_id": self.product.id}
            )
        self._login(self.manager)
        answer = self._rpc(
            "stock.accuracy.backend.product", "write", [mappings[0].id], {"external_code": "X"}
        )
        self._assert_rpc_access_error(answer)
        self.assertEqual(mappings[0].external_code, "B-1")

    def test_outbox_post_in_its_company_seen_by_its_managers(self):
        backend = self._backend(self.warehouse, push_counts=True)
        message = self.env["stock.accuracy.sync.outbox"]._enqueue(
            backend, [(self.product, {"sku": "PRIV"})]
        )
        message.invalidate_recordset()
        self.assertEqual(message.company_id, self.company)
        Outbox = self.env["stock.accuracy.sync.outbox"]
        self.assertEqual(
            Outbox.with_user(self.manager).search([("backend_id", "=", backend.id)]), message
        )
        self.assertFalse(Outbox.with_user(self.foreign_manager).search([("id", "=", message.id)]))
        self.assertTrue(Outbox._fields["company_id"].required)

    # -- every model ----------------------------------------------------------------------------
    def test_every_model_with_company_data_has_a_company_rule(self):
        """Each model the module defines with a stored company has a global rule on it (the
        wizards whose company is only shown, not stored, are not company data)."""
        checked, missing = [], []
        for model in self.env["ir.model"].search([]):
            Model = self.env.get(model.model)
            if (
                Model is None
                or not (Model._original_module or "").startswith("stock_accuracy")
                or Model._abstract
            ):
                continue
            field = Model._fields.get("company_id")
            if not field or not field.store:
                continue
            checked.append(model.model)
            rules = self.env["ir.rule"].search([("model_id", "=", model.id), ("global", "=", True)])
            if not any("company_id" in (rule.domain_force or "") for rule in rules):
                missing.append(model.model)
        self.assertEqual(missing, [])
        for name in (
            "stock.accuracy.backend.product",
            "stock.accuracy.backend.location",
            "stock.accuracy.sync.outbox",
            SHEET,
            KPI,
        ):
            self.assertIn(name, checked)

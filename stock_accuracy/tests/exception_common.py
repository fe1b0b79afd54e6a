from datetime import timedelta

from odoo import fields

from .common import AccuracyCommon


class ExceptionCommon(AccuracyCommon):
    """Accuracy users plus products to raise inventory exceptions about."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Exception = cls.env["stock.accuracy.exception"]
        cls.product = cls.env["product.product"].create(
            {"name": "Accuracy Widget", "is_storable": True, "standard_price": 12.5}
        )
        cls.lot_product = cls.env["product.product"].create(
            {"name": "Accuracy Lot Widget", "is_storable": True, "tracking": "lot"}
        )
        cls.type_variance = cls.env.ref("stock_accuracy.exception_type_count_variance")
        cls.reason_miscount = cls.env.ref("stock_accuracy.reason_cnt")
        cls.activity_type = cls.env.ref("stock_accuracy.mail_activity_type_accuracy_exception")

    def _raise(self, type_code="count_variance", source=None, **values):
        values.setdefault("product_id", self.product.id)
        values.setdefault("location_id", self.stock_location.id)
        return self.Exception._raise_exception(type_code, source, values)

    def _tracked(self, records):
        """``records`` with chatter tracking on (the test base class turns it off)."""
        return records.with_context(tracking_disable=False, mail_notrack=False)

    def _tracked_fields(self, exception):
        self.env.flush_all()
        self.env.cr.precommit.run()
        return exception.message_ids.tracking_value_ids

    def _owner_activities(self, exception):
        return exception.activity_ids.filtered(lambda a: a.activity_type_id == self.activity_type)

    @staticmethod
    def _past(days=1):
        return fields.Datetime.now() - timedelta(days=days)

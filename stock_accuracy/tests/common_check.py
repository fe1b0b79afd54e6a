from odoo import Command

from .common import AccuracyCommon


class AccuracyCheckCommon(AccuracyCommon):
    """A delivery type with a blind double-check, stocked products and a prepared delivery."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.out_type = cls.warehouse.out_type_id
        cls.out_type.write(
            {
                "accuracy_check_mode": "required",
                "accuracy_check_blind": True,
                "accuracy_check_scan_lot": True,
                "accuracy_check_allow_typing": True,
            }
        )
        cls.customers = cls.env.ref("stock.stock_location_customers")
        Product = cls.env["product.product"]
        cls.product_a = Product.create(
            {"name": "Check Bolt", "is_storable": True, "barcode": "TSA-BOLT"}
        )
        cls.product_b = Product.create(
            {"name": "Check Nut", "is_storable": True, "barcode": "TSA-NUT"}
        )
        cls.product_serial = Product.create(
            {
                "name": "Check Motor",
                "is_storable": True,
                "barcode": "TSA-MOTOR",
                "tracking": "serial",
            }
        )
        cls.product_other = Product.create(
            {"name": "Check Gear", "is_storable": True, "barcode": "TSA-GEAR"}
        )
        Quant = cls.env["stock.quant"]
        for product in cls.product_a | cls.product_b | cls.product_other:
            Quant._update_available_quantity(product, cls.stock_location, 100)
        cls.serials = cls.env["stock.lot"].create(
            [{"name": f"TSA-MOTOR-{n}", "product_id": cls.product_serial.id} for n in range(1, 4)]
        )
        for serial in cls.serials:
            Quant._update_available_quantity(
                cls.product_serial, cls.stock_location, 1, lot_id=serial
            )

    @classmethod
    def _create_delivery(cls, lines, picking_type=None, prepare=True, user=None):
        """A ready delivery of ``[(product, qty)]``, its quantities set by ``user``."""
        picking_type = picking_type or cls.out_type
        user = user or cls.stock_user
        picking = (
            cls.env["stock.picking"]
            .with_user(user)
            .create(
                {
                    "picking_type_id": picking_type.id,
                    "location_id": cls.stock_location.id,
                    "location_dest_id": cls.customers.id,
                    "move_ids": [
                        Command.create(
                            {
                                "name": product.name,
                                "product_id": product.id,
                                "product_uom_qty": qty,
                                "product_uom": product.uom_id.id,
                                "location_id": cls.stock_location.id,
                                "location_dest_id": cls.customers.id,
                            }
                        )
                        for product, qty in lines
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.action_assign()
        if prepare:
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
        return picking.with_env(cls.env)

    def _check_as(self, picking, user=None):
        """The picking's open check, as ``user`` (the checker by default)."""
        return picking.accuracy_check_id.with_user(user or self.checker)

    def _scan(self, check, *barcodes):
        results = [check.action_scan(barcode) for barcode in barcodes]
        return results[-1] if len(results) == 1 else results

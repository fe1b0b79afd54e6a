import os

from werkzeug.wsgi import wrap_file

from odoo import http
from odoo.http import content_disposition, request

from odoo.addons.stock_accuracy.controllers.main import XLSX, StockAccuracyController


class StockAccuracyKpiController(StockAccuracyController):
    @http.route("/stock_accuracy/kpi_export/<int:wizard_id>", type="http", auth="user")
    def kpi_export(self, wizard_id):
        """The KPI workbook of an export wizard, streamed from a temporary file (memory does
        not grow with the lines exported)."""
        wizard, response = self._export_or_response("stock.accuracy.kpi.export.wizard", wizard_id)
        if response is not None:
            return response
        handle = wizard._export_file()
        headers = [
            ("Content-Type", XLSX),
            ("Content-Length", str(os.fstat(handle.fileno()).st_size)),
            ("Content-Disposition", content_disposition(wizard._export_name())),
            ("X-Content-Type-Options", "nosniff"),
        ]
        return request.make_response(
            wrap_file(request.httprequest.environ, handle), headers=headers
        )

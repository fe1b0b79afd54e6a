import os

from werkzeug.wsgi import wrap_file

from odoo import http
from odoo.http import content_disposition, request

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StockAccuracyController(http.Controller):
    @http.route("/stock_accuracy/kpi_export/<int:wizard_id>", type="http", auth="user")
    def kpi_export(self, wizard_id):
        """The KPI workbook of an export wizard of the current user, streamed from a
        temporary file (memory does not grow with the lines exported)."""
        wizard = request.env["stock.accuracy.kpi.export.wizard"].browse(wizard_id).exists()
        if not wizard or wizard.create_uid != request.env.user:
            raise request.not_found()
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

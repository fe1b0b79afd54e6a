from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request
from odoo.tools import str2bool

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StockAccuracyController(http.Controller):
    def _export_or_response(self, model, export_id):
        """``(export, None)`` for the export ``export_id`` of ``model`` if the current user may
        download it, ``(None, response)`` with the expiry message (410 Gone) if it expired.
        Not found when it is not theirs to see (or gone)."""
        export = request.env[model].browse(export_id).exists()
        if not export:
            raise request.not_found()
        try:
            expired = export._check_download()
        except AccessError:
            raise request.not_found() from None
        if expired:
            response = request.make_response(
                expired.args[0],
                headers=[("Content-Type", "text/plain; charset=utf-8")],
                status=410,
            )
            return None, response
        return export, None

    @http.route("/stock_accuracy/count_sheet/<int:export_id>", type="http", auth="user")
    def count_sheet(self, export_id, download="true"):
        """The Excel count sheet of an export, as an attachment unless ``download`` is false."""
        export, response = self._export_or_response("stock.accuracy.count.sheet.export", export_id)
        if response is not None:
            return response
        stream = request.env["ir.binary"]._get_stream_from(
            export, "file", filename_field="filename", mimetype=XLSX
        )
        return stream.get_response(as_attachment=str2bool(download, True))

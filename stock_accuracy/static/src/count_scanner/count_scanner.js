/** @odoo-module **/
import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";

/**
 * Handheld scanning screen of a count session: scan a location, then products, lots, serials
 * or packages; every scan is answered by `stock.accuracy.count.action_scan`.
 */
export class CountScanner extends Component {
    static template = "stock_accuracy.CountScanner";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.notification = useService("notification");
        const barcode = useService("barcode");
        this.countId = this.props.action.params.count_id;
        this.state = useState({
            session: null,
            location: null,
            package: null,
            message: "",
            error: false,
            lastLineId: null,
            manual: "",
        });
        useBus(barcode.bus, "barcode_scanned", (ev) => this.onScan(ev.detail.barcode));
        onWillStart(() => this.load());
    }

    async load() {
        this.state.session = await this.orm.call("stock.accuracy.count", "action_scan_state", [
            [this.countId],
        ]);
    }

    async onScan(barcode) {
        const result = await this.orm.call("stock.accuracy.count", "action_scan", [
            [this.countId],
            barcode,
        ], {
            location_id: this.state.location?.id || false,
            package_id: this.state.package?.id || false,
        });
        this.show(result);
        if (result.status === "location") {
            this.state.location = result.location;
            this.state.package = null;
        } else if (result.status === "package") {
            this.state.package = result.package;
            if (result.location) {
                this.state.location = result.location;
            }
        } else if (result.status === "counted") {
            this.state.lastLineId = result.line.id;
            await this.updateLine(result.line);
        }
    }

    /**
     * Merge the one line a scan or a typed quantity changed into the list, instead of reloading
     * the whole session: a line found during the count is added in its place.
     */
    async updateLine(data) {
        const lines = this.state.session.lines;
        const index = lines.findIndex((line) => line.id === data.id);
        if (index >= 0) {
            Object.assign(lines[index], data);
            return;
        }
        if (!("product" in data)) {
            // Only a delta of a line this screen does not list (added elsewhere): reload.
            await this.load();
            return;
        }
        const key = (line) => [line.location, line.product];
        const before = lines.findIndex((line) => {
            const [a, b] = [key(line), key(data)];
            return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
        });
        lines.splice(before < 0 ? lines.length : before, 0, data);
    }

    show(result) {
        this.state.message = result.message;
        this.state.error = result.status === "error";
    }

    async onManualSubmit(ev) {
        ev.preventDefault();
        const code = this.state.manual.trim();
        this.state.manual = "";
        if (code) {
            await this.onScan(code);
        }
    }

    async onQuantityChange(line, ev) {
        const result = await this.orm.call("stock.accuracy.count", "action_set_line_quantity", [
            [this.countId],
            line.id,
            parseFloat(ev.target.value || "0"),
        ]);
        this.show(result);
        if (result.status === "counted") {
            await this.updateLine(result.line);
        } else {
            ev.target.value = line.state === "todo" ? "" : line.counted_quantity;
        }
    }

    async onSubmit() {
        await this.orm.call("stock.accuracy.count", "action_submit", [[this.countId]]);
        this.notification.add(_t("Count submitted."), { type: "success" });
        await this.load();
    }

    onBack() {
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: "stock.accuracy.count",
            res_id: this.countId,
            views: [[false, "form"]],
        });
    }
}

registry.category("actions").add("stock_accuracy_count_scanner", CountScanner);

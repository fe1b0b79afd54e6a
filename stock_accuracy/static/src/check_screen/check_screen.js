/** @odoo-module **/

import { Component, onMounted, onWillStart, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { Mutex } from "@web/core/utils/concurrency";
import { useBus, useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const MODEL = "stock.accuracy.check";

/**
 * Full-screen double-check for checkers on a handheld: pick or scan a transfer, then scan its
 * items. Every decision is taken by the server (stock.accuracy.check.action_scan & co.): this
 * component only renders what it answers. A scan or a typed quantity answers with a small
 * delta (the lines it touched and the header counters), merged into the screen; only a change
 * of the check's state sends the whole check again. Server calls run one at a time, in order.
 */
export class AccuracyCheckScreen extends Component {
    static template = "stock_accuracy.AccuracyCheckScreen";
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.inputRef = useRef("scanInput");
        this.mutex = new Mutex();
        this.state = useState({
            check: null,
            pickings: [],
            feedback: null,
            busy: false,
            code: "",
        });
        const barcode = useService("barcode");
        useBus(barcode.bus, "barcode_scanned", (ev) => this.onBarcode(ev.detail.barcode));
        onWillStart(() => this.load());
        onMounted(() => this.focusInput());
    }

    get labels() {
        return {
            match: _t("Match"),
            mismatch: _t("Mismatch"),
            unknown: _t("Unknown barcode"),
            warning: _t("Scan more"),
            error: _t("Error"),
            passed: _t("Check passed"),
            failed: _t("Check failed"),
        };
    }

    get resultLabels() {
        return {
            match: _t("Match"),
            short: _t("Short"),
            over: _t("Over"),
            wrong_lot: _t("Wrong Lot"),
            unexpected: _t("Unexpected Item"),
        };
    }

    get placeholder() {
        return this.state.check
            ? _t("Scan an item, lot, package or location")
            : _t("Scan or choose a transfer");
    }

    get isOpen() {
        return this.state.check && ["draft", "in_progress"].includes(this.state.check.state);
    }

    async load() {
        const checkId = this.props.action.params?.check_id;
        if (checkId) {
            this.state.check = await this.orm.call(MODEL, "action_open_check", [[checkId]]);
        } else {
            this.state.pickings = await this.orm.call(MODEL, "get_pickings_to_check", []);
        }
    }

    focusInput() {
        this.inputRef.el?.focus();
    }

    async onBarcode(code) {
        code = (code || "").trim();
        if (!code || this.state.busy) {
            return;
        }
        this.state.busy = true;
        try {
            if (!this.state.check) {
                await this.openPicking(code);
            } else if (this.isOpen) {
                const checkId = this.state.check.id;
                const result = await this.mutex.exec(() =>
                    this.orm.call(MODEL, "action_scan", [[checkId], code])
                );
                this.applyUpdate(result, checkId);
                this.state.feedback = { status: result.status, message: result.message };
            }
        } finally {
            this.state.busy = false;
            this.state.code = "";
            this.focusInput();
        }
    }

    /**
     * Merge a server answer into the screen: the full check (``data``) or a ``delta`` holding
     * the changed lines (replaced in place, or added) and the header counters. An answer
     * about a check the screen no longer shows is dropped.
     */
    applyUpdate({ data, delta }, checkId) {
        if (this.state.check?.id !== checkId) {
            return;
        }
        if (data) {
            this.state.check = data;
            return;
        }
        if (!delta) {
            return;
        }
        const { lines, ...header } = delta;
        Object.assign(this.state.check, header);
        const checkLines = this.state.check.lines;
        for (const line of lines || []) {
            const index = checkLines.findIndex((current) => current.id === line.id);
            if (index === -1) {
                checkLines.push(line);
            } else {
                checkLines[index] = line;
            }
        }
    }

    onKeydown(ev) {
        if (ev.key === "Enter") {
            ev.preventDefault();
            ev.stopPropagation();
            this.onBarcode(this.state.code);
        }
    }

    async openPicking(ref) {
        this.state.check = await this.orm.call(MODEL, "action_open_picking", [ref]);
        this.state.feedback = null;
    }

    async onClickPicking(picking) {
        await this.openPicking(picking.id);
        this.focusInput();
    }

    async onChangeQuantity(line, ev) {
        const quantity = parseFloat(ev.target.value);
        const checkId = this.state.check.id;
        const result = await this.mutex.exec(() =>
            this.orm.call(MODEL, "action_set_quantity", [
                [checkId],
                line.id,
                Number.isNaN(quantity) ? ev.target.value : quantity,
            ])
        );
        this.applyUpdate(result, checkId);
        this.focusInput();
    }

    async onClickFinish() {
        const checkId = this.state.check.id;
        this.state.check = await this.mutex.exec(async () => {
            await this.orm.call(MODEL, "action_finish", [[checkId]]);
            return this.orm.call(MODEL, "action_open_check", [[checkId]]);
        });
        this.state.feedback = { status: this.state.check.state, message: this.state.check.picking };
    }

    async onClickBack() {
        this.state.check = null;
        this.state.feedback = null;
        this.state.pickings = await this.orm.call(MODEL, "get_pickings_to_check", []);
        this.focusInput();
    }

    onClickClose() {
        this.actionService.doAction("stock.stock_picking_type_action", { clearBreadcrumbs: true });
    }
}

registry.category("actions").add("stock_accuracy.check_screen", AccuracyCheckScreen);

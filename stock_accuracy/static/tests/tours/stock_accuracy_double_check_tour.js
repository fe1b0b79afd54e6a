/** @odoo-module **/
import { registry } from "@web/core/registry";

function scan(barcode) {
    return {
        content: `scan ${barcode}`,
        trigger: ".o_sa_scan_input:not(:disabled)",
        run: `edit ${barcode} && press Enter`,
    };
}

registry.category("web_tour.tours").add("stock_accuracy_double_check", {
    steps: () => [
        {
            content: "choose the delivery to check",
            trigger: ".o_sa_picking:contains('TOURCHK')",
            run: "click",
        },
        {
            trigger: ".o_sa_lines",
        },
        scan("TOUR-GEAR"),
        {
            content: "a product that is not in the delivery is a mismatch",
            trigger: ".o_sa_feedback_mismatch:contains('Tour Gear')",
        },
        {
            content: "take the wrong item back out",
            trigger: ".o_sa_line:contains('Tour Gear') .o_sa_qty_input",
            run: "edit 0",
        },
        scan("TOUR-BOLT"),
        {
            trigger: ".o_sa_feedback_match:contains('Tour Bolt')",
        },
        scan("TOUR-BOLT"),
        {
            trigger: ".o_sa_line:contains('Tour Bolt') .o_sa_qty_input:value(2)",
        },
        {
            trigger: ".o_sa_finish",
            run: "click",
        },
        {
            content: "the check passed",
            trigger: ".o_sa_feedback_passed",
        },
    ],
});

/** @odoo-module **/
import { registry } from "@web/core/registry";

function scan(barcode) {
    return [
        {
            trigger: ".o_accuracy_scanner_input",
            run: `edit ${barcode}`,
        },
        {
            trigger: ".o_accuracy_scanner_enter",
            run: "click",
        },
    ];
}

function countGizmos() {
    return [
        {
            trigger: ".o_form_view button[name='action_open_scanner']",
            run: "click",
        },
        {
            trigger: ".o_accuracy_scanner_line:contains('Tour Gizmo')",
        },
        ...scan("TOUR-LOC"),
        {
            trigger: ".o_accuracy_scanner_location:contains('TOURBIN')",
        },
        ...scan("TOUR-GIZMO"),
        {
            trigger: ".o_accuracy_scanner_message:contains('Tour Gizmo: 1')",
        },
        ...scan("TOUR-GIZMO"),
        {
            trigger: ".o_accuracy_scanner_message:contains('Tour Gizmo: 2')",
        },
        ...scan("NOT-A-CODE"),
        {
            trigger: ".o_accuracy_scanner_message.alert-danger:contains('NOT-A-CODE')",
        },
        ...scan("TOUR-GIZMO"),
        {
            trigger: ".o_accuracy_scanner_message:contains('Tour Gizmo: 3')",
        },
        {
            trigger: ".o_accuracy_scanner_submit",
            run: "click",
        },
        {
            trigger: ".o_accuracy_scanner:not(:has(.o_accuracy_scanner_submit))",
        },
    ];
}

registry.category("web_tour.tours").add("stock_accuracy_blind_count_scan", {
    steps: () => countGizmos(),
});

registry.category("web_tour.tours").add("stock_accuracy_recount_scan", {
    steps: () => countGizmos(),
});

registry.category("web_tour.tours").add("stock_accuracy_approve_count", {
    steps: () => [
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Gizmo') td[name='product_id']",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='reason_id'] input",
            run: "edit Damaged",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Damaged')",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name='action_approve']",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Done')",
        },
    ],
});

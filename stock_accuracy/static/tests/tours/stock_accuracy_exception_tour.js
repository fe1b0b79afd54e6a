/** @odoo-module **/
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("stock_accuracy_exception_resolve", {
    steps: () => [
        {
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('Tour Gadget')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status button[aria-checked='true']:contains('New')",
        },
        {
            trigger: ".o_field_widget[name='reason_id'] input",
            run: "edit Miscount",
        },
        {
            trigger: ".ui-menu-item > a:contains('Miscount')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name='corrective_action'] textarea",
            run: "edit Recounted the bin and corrected the book stock.",
        },
        {
            trigger: ".o_form_view button[name='action_resolve']",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button[aria-checked='true']:contains('Resolved')",
        },
        {
            trigger: ".o_form_view button[name='action_close']",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button[aria-checked='true']:contains('Closed')",
        },
    ],
});

/** @odoo-module **/
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("stock_accuracy_kpi_dashboard", {
    steps: () => [
        {
            trigger: ".o_stock_accuracy_dashboard .o_accuracy_trend svg",
        },
        {
            trigger: ".o_accuracy_kpi_ira_count .o_accuracy_kpi_value",
            run: "click",
        },
        {
            // The count report's pivot, with the weighted ratios the tile links to.
            trigger: ".o_pivot_view .o_pivot_measure_row:contains(IRA by Value)",
        },
        {
            trigger: ".o_breadcrumb .o_back_button, .o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            trigger: ".o_accuracy_tile_overdue",
            run: "click",
        },
        {
            trigger: ".o_list_view",
        },
    ],
});

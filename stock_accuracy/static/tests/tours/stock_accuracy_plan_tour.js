/** @odoo-module **/
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("stock_accuracy_plan_counts", {
    steps: () => [
        {
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            trigger: '.o_app[data-menu-xmlid="stock.menu_stock_root"]',
            run: "click",
        },
        {
            trigger: '.o_menu_sections [data-menu-xmlid="stock_accuracy.menu_accuracy_root"]',
            run: "click",
        },
        {
            trigger: '.dropdown-item[data-menu-xmlid="stock_accuracy.menu_accuracy_plan_wizard"]',
            run: "click",
        },
        {
            trigger: '.modal button[name="action_preview"]',
            run: "click",
        },
        {
            trigger: ".modal .o_field_one2many .o_data_row",
        },
        {
            trigger: '.modal button[name="action_plan"]',
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Cycle')",
        },
    ],
});

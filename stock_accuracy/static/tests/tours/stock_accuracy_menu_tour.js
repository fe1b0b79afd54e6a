/** @odoo-module **/
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("stock_accuracy_counter_menu", {
    steps: () => [
        {
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            trigger: '.o_app[data-menu-xmlid="stock_accuracy.menu_accuracy_counting_root"]',
            run: "click",
        },
        {
            trigger: ".o_breadcrumb:contains('Count Sessions')",
        },
        {
            trigger: ".o_list_view",
        },
    ],
});

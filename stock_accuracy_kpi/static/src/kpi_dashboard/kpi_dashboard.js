/** @odoo-module **/
import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatFloat, formatPercentage } from "@web/views/fields/formatters";

const TREND_WIDTH = 600;
const TREND_HEIGHT = 160;

/**
 * Inventory › Accuracy › Overview: the KPIs of this month (live) against last month, the
 * 12-month IRA trend, the open and overdue exceptions and the counts due this week. All the
 * figures come from `stock.accuracy.kpi.snapshot.get_dashboard_data`; each tile opens the
 * native view behind it.
 */
export class KpiDashboard extends Component {
    static template = "stock_accuracy.KpiDashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call(
            "stock.accuracy.kpi.snapshot",
            "get_dashboard_data",
            []
        );
    }

    format(tile, value) {
        if (value === null || value === undefined || value === false) {
            return _t("no data");
        }
        if (tile.format === "percent") {
            return formatPercentage(value, { digits: [false, 1] });
        }
        return formatFloat(value, { digits: [false, tile.format === "currency" ? 2 : 1] });
    }

    arrow(tile) {
        return { up: "fa-arrow-up", down: "fa-arrow-down", flat: "fa-arrows-h" }[tile.direction];
    }

    arrowClass(tile) {
        if (!tile.direction || tile.direction === "flat" || !tile.better) {
            return "text-muted";
        }
        return tile.direction === tile.better ? "text-success" : "text-danger";
    }

    get trendPoints() {
        const trend = this.state.data.trend;
        const step = TREND_WIDTH / Math.max(trend.length - 1, 1);
        return trend
            .map((point, index) =>
                point.value === null
                    ? null
                    : {
                          x: Math.round(index * step),
                          y: Math.round(TREND_HEIGHT - point.value * TREND_HEIGHT),
                          label: point.month.slice(0, 7),
                          value: formatPercentage(point.value, { digits: [false, 1] }),
                      }
            )
            .filter((point) => point);
    }

    get trendPath() {
        return this.trendPoints.map((p) => `${p.x},${p.y}`).join(" ");
    }

    get trendViewBox() {
        return `-10 -10 ${TREND_WIDTH + 20} ${TREND_HEIGHT + 20}`;
    }

    open(action) {
        return this.action.doAction(action);
    }
}

registry.category("actions").add("stock_accuracy.kpi_dashboard", KpiDashboard);

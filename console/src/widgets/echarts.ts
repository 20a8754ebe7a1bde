/**
 * The parts of ECharts the console draws with, registered once: only these are bundled, and this
 * module is loaded on demand by ./chart.tsx (its own chunk), so pages without a chart never fetch it.
 * The canvas renderer draws into a <canvas>: no inline `style` attributes or <style> elements,
 * which the console's Content-Security-Policy refuses (the SVG renderer's emphasis styles need one).
 */
import { BarChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, registerTheme, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { CHART_COLOURS } from './chart-colours';

use([LineChart, BarChart, SankeyChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

export const THEME = 'mofang';
registerTheme(THEME, {
  color: CHART_COLOURS,
  textStyle: { fontFamily: 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif', color: '#1d2433' },
});

export { init };

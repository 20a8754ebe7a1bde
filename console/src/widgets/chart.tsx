/**
 * One ECharts chart: created on mount, given each new option, resized with its box, disposed on
 * unmount. Only the chart types and components the console uses are registered (echarts/core), so
 * the bundle carries no more than it draws. The SVG renderer needs no eval and no inline styles, so
 * the console's Content-Security-Policy stays strict; the chart is an image with an accessible name,
 * and every page shows its numbers as text or a table too (a chart is not readable by a screen reader).
 *
 * @example <Chart option={{ xAxis: { type: 'category', data: days }, yAxis: {}, series: [{ type: 'line', data: counts }] }} label={title} height={240} />
 */
import { BarChart, HeatmapChart, LineChart, SankeyChart } from 'echarts/charts';
import { DatasetComponent, GridComponent, LegendComponent, TitleComponent, VisualMapComponent } from 'echarts/components';
import { type EChartsCoreOption, type EChartsType, init, use } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

use([LineChart, BarChart, SankeyChart, HeatmapChart, GridComponent, LegendComponent, TitleComponent, DatasetComponent, VisualMapComponent, SVGRenderer]);

/** Colours that keep 3:1 contrast on white and stay apart for common colour-vision deficiencies (Okabe–Ito, darkened). */
export const CHART_COLOURS = ['#0b5cad', '#c25e00', '#17692f', '#a8201a', '#5b3a8c', '#7a4b00', '#0e7c86', '#b0306e'];

const THEME = {
  color: CHART_COLOURS,
  textStyle: { color: '#1d2433', fontFamily: 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif' },
  // Charts appear and change as data arrives; animation would only delay what a user reads.
  animation: false,
};

export function Chart({ option, label, height = 280 }: { option: EChartsCoreOption; label: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const instance = init(element, THEME, { renderer: 'svg' });
    chart.current = instance;
    const resize = new ResizeObserver(() => instance.resize());
    resize.observe(element);
    return () => {
      resize.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    // notMerge: a new option replaces the old one, so series that went away do not linger.
    chart.current?.setOption(option, true);
  }, [option]);

  // React sets the height through the DOM (CSSOM), which the CSP allows; a style attribute in markup it would not.
  return <div ref={box} className="chart" style={{ height }} role="img" aria-label={label} />;
}

/**
 * One ECharts chart: any option, drawn in a box of the given height and the width of its parent,
 * resized with it and disposed with the component. ECharts itself is fetched on first use
 * (./echarts.ts, a chunk of its own), which keeps the first page load small.
 *
 * The chart is an image to assistive technology, named by `label`; the page shows its numbers in a
 * table as well (readable, and what a user copies). Tooltips are drawn inside the canvas
 * (`renderMode: 'richText'`): ECharts' HTML tooltips carry `style` attributes, which the
 * console's Content-Security-Policy refuses.
 * @example <Chart option={{ xAxis: { type: 'category', data: days }, yAxis: {}, series: [{ type: 'line', data: counts }] }} label="Views per day" height={280} />
 */
import type { EChartsCoreOption } from 'echarts/core';
import { useEffect, useRef } from 'react';

type Echarts = typeof import('./echarts');
let loading: Promise<Echarts> | undefined;
const loadEcharts = () => {
  loading ??= import('./echarts');
  return loading;
};

/** The option with every tooltip drawn in the canvas. */
function withCanvasTooltips(option: EChartsCoreOption): EChartsCoreOption {
  const tooltip = option.tooltip as object | object[] | undefined;
  if (tooltip === undefined) return option;
  const inCanvas = (t: object) => ({ ...t, renderMode: 'richText' });
  return { ...option, tooltip: Array.isArray(tooltip) ? tooltip.map(inCanvas) : inCanvas(tooltip) };
}

export function Chart({ option, label, height = 300 }: { option: EChartsCoreOption; label: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<Echarts['init']> | null>(null);
  const latest = useRef(option);
  latest.current = option;

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    void loadEcharts().then(({ init, THEME }) => {
      if (disposed || !box.current) return;
      chart.current = init(box.current, THEME, { renderer: 'canvas' });
      chart.current.setOption(withCanvasTooltips(latest.current), true);
      observer = new ResizeObserver(() => chart.current?.resize());
      observer.observe(box.current);
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(withCanvasTooltips(option), true);
  }, [option]);

  useEffect(() => {
    if (box.current) box.current.style.height = `${height}px`;
    chart.current?.resize();
  }, [height]);

  return <div ref={box} className="chart" role="img" aria-label={label} />;
}

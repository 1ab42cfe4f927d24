/**
 * A small dependency-free SVG line chart for training curves and benchmark figures: one or more
 * series over a shared x axis, with axis ticks, labels and a legend.
 */

export interface PlotSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface PlotOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly width?: number;
  readonly height?: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

function niceTicks(low: number, high: number, count = 5): number[] {
  if (low === high) return [low];
  const step0 = (high - low) / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high + 1e-9 * step; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function svgLinePlot(series: readonly PlotSeries[], options: PlotOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const margin = { left: 80, right: 20, top: 40, bottom: 50 };
  const all = series.flatMap((s) => s.points);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  if (yMin === yMax) [yMin, yMax] = [yMin - 1, yMax + 1];
  const pad = (yMax - yMin) * 0.05;
  yMin -= pad;
  yMax += pad;
  const sx = (x: number): number => margin.left + ((x - xMin) / (xMax - xMin || 1)) * (width - margin.left - margin.right);
  const sy = (y: number): number => height - margin.bottom - ((y - yMin) / (yMax - yMin)) * (height - margin.top - margin.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escape(options.title)}</text>`,
    `<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/>`,
    `<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="black"/>`,
  ];
  for (const tick of niceTicks(xMin, xMax)) {
    parts.push(`<line x1="${sx(tick)}" y1="${height - margin.bottom}" x2="${sx(tick)}" y2="${height - margin.bottom + 5}" stroke="black"/>`);
    parts.push(`<text x="${sx(tick)}" y="${height - margin.bottom + 18}" text-anchor="middle">${tick}</text>`);
  }
  for (const tick of niceTicks(yMin, yMax)) {
    parts.push(`<line x1="${margin.left - 5}" y1="${sy(tick)}" x2="${margin.left}" y2="${sy(tick)}" stroke="black"/>`);
    parts.push(`<line x1="${margin.left}" y1="${sy(tick)}" x2="${width - margin.right}" y2="${sy(tick)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 8}" y="${sy(tick) + 4}" text-anchor="end">${tick}</text>`);
  }
  parts.push(`<text x="${(margin.left + width - margin.right) / 2}" y="${height - 12}" text-anchor="middle">${escape(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(options.yLabel)}</text>`);
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = s.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const [x, y] of s.points) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3" fill="${colour}"/>`);
    parts.push(`<text x="${width - margin.right - 150}" y="${margin.top + 16 * i + 12}" fill="${colour}">${escape(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** Colours that keep 3:1 contrast on white and stay apart for common colour-vision deficiencies (Okabe–Ito, darkened). */
export const CHART_COLOURS = ['#0b5cad', '#c25e00', '#17692f', '#a8201a', '#5b3a8c', '#7a4b00', '#0e7c86', '#b0306e'];

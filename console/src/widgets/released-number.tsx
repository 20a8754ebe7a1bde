/**
 * A number the node released with noise: shown as approximate, with its 95 % interval, never as
 * an exact figure; the noise behind it is stated next to it. Screen readers get the same words.
 */
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../i18n';

interface Noise {
  mechanism: 'discrete-laplace' | 'discrete-gaussian';
  parameter: 'scale' | 'sigma';
  value: number;
  standardDeviation: number;
}
interface ReleasedValue {
  value: number;
  ci95?: { low: number; high: number };
  noiseScale?: Noise;
}

const fmt = (n: number, digits: number) => formatNumber(n, { maximumFractionDigits: digits });

/** "≈ 41 (95 % interval 38 – 44)"; `digits` for sums and means that are not whole numbers. */
export function ReleasedNumber({ n, digits = 0, testId }: { n: ReleasedValue; digits?: number; testId?: string }) {
  const { t } = useTranslation();
  return (
    <span className="released" data-testid={testId}>
      <span className="approx">{t('widgets.approx', { value: fmt(n.value, digits) })}</span>{' '}
      {n.ci95 && <span className="interval">{t('widgets.interval', { low: fmt(n.ci95.low, digits), high: fmt(n.ci95.high, digits) })}</span>}
    </span>
  );
}

/** "discrete Laplace noise, scale 1 (standard deviation 1.41)". */
export function NoiseDescription({ noise }: { noise: Noise }) {
  const { t } = useTranslation();
  return (
    <span className="noise">
      {t('widgets.noise', {
        mechanism: t(`widgets.mechanism.${noise.mechanism}`),
        parameter: t(`widgets.parameter.${noise.parameter}`),
        value: fmt(noise.value, 3),
        sd: fmt(noise.standardDeviation, 2),
      })}
    </span>
  );
}

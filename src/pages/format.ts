import { DateTime } from 'luxon';
import { parseInterval } from '../../workflows/calendar';
import type { Lang } from './i18n';

const ZONE = 'Asia/Seoul';

export function formatWon(amount: number, lang: Lang): string {
  return lang === 'ko' ? `${amount.toLocaleString('ko-KR')}원` : `₩${amount.toLocaleString('en-US')}`;
}

export function formatDate(iso: string | undefined, lang: Lang, zone = ZONE): string {
  if (!iso) return '–';
  const time = DateTime.fromISO(iso, { zone });
  if (!time.isValid) return '–';
  return lang === 'ko' ? time.toFormat('yyyy년 M월 d일 HH:mm') : time.setLocale('en').toFormat('d MMM yyyy, HH:mm');
}

/** The day only, for periods and payment history: 2026. 12. 3. / 3 Dec 2026 */
export function formatDay(iso: string | undefined, lang: Lang, zone = ZONE): string {
  if (!iso) return '–';
  const time = DateTime.fromISO(iso, { zone });
  if (!time.isValid) return '–';
  return lang === 'ko' ? time.toFormat('yyyy. M. d.') : time.setLocale('en').toFormat('d MMM yyyy');
}

/** "매월", "3개월마다", "every 7 days"… */
export function describeIntervalIn(iso: string, lang: Lang): string {
  const interval = parseInterval(iso, { minExactMs: 1 });
  if (interval.kind === 'calendar') {
    const { months } = interval;
    if (months % 12 === 0) {
      const years = months / 12;
      if (lang === 'ko') return years === 1 ? '매년' : `${years}년마다`;
      return years === 1 ? 'every year' : `every ${years} years`;
    }
    if (lang === 'ko') return months === 1 ? '매월' : `${months}개월마다`;
    return months === 1 ? 'every month' : `every ${months} months`;
  }
  const units: [number, string, string][] = [
    [86_400_000, '일', 'day'],
    [3_600_000, '시간', 'hour'],
    [60_000, '분', 'minute'],
    [1000, '초', 'second'],
  ];
  const [ms, ko, en] = units.find(([unit]) => interval.millis % unit === 0) ?? units[3];
  const count = interval.millis / ms;
  return lang === 'ko' ? `${count}${ko}마다` : `every ${count} ${en}${count === 1 ? '' : 's'}`;
}

/** The pages' only stylesheet, served by us (no third-party fonts or CSS); phone first, system fonts. */
import { createHash } from 'node:crypto';

export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f4f5f7;color:#1b1d21;font:16px/1.55 system-ui,-apple-system,"Apple SD Gothic Neo","Malgun Gothic","Noto Sans KR",sans-serif;word-break:keep-all;overflow-wrap:anywhere}
.top{max-width:34rem;margin:0 auto;padding:.75rem 1rem 0;text-align:right}
main{max-width:34rem;margin:0 auto;padding:0 1rem 2.5rem}
h1{font-size:1.45rem;line-height:1.3;margin:.75rem 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
h3{font-size:1rem;margin:1rem 0 .25rem}
.card{background:#fff;border:1px solid #d5d9e0;border-radius:12px;padding:1rem 1.1rem;margin:0 0 1.25rem}
.card h2{margin-top:0}
.facts{margin:0;display:grid;gap:.4rem}
.facts div{display:flex;justify-content:space-between;gap:1rem;border-bottom:1px solid #eceef2;padding:.3rem 0}
.facts dt{color:#4a505c;white-space:nowrap}
.facts dd{margin:0;font-weight:600;text-align:right}
fieldset{border:1px solid #d5d9e0;border-radius:12px;background:#fff;padding:.75rem 1.1rem 1rem;margin:0 0 1rem}
legend{font-weight:700;padding:0 .35rem}
.field{margin:.9rem 0}
.field label{display:block;font-weight:600}
.hint{margin:.1rem 0 .35rem;color:#4a505c;font-size:.9rem}
input[type=text],input[type=password],input[type=tel]{display:block;width:100%;min-height:48px;padding:.6rem .75rem;font-size:1.1rem;border:1px solid #70757f;border-radius:8px;background:#fff;color:#1b1d21}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #1a56c9;outline-offset:2px}
.invalid input{border:2px solid #b3261e}
.error{color:#b3261e;font-weight:600;margin:.35rem 0 0}
.consent{display:grid;grid-template-columns:auto 1fr;gap:.25rem .6rem;align-items:start;background:#fff;border:1px solid #d5d9e0;border-radius:12px;padding:.85rem 1rem}
.consent input{width:24px;height:24px;margin:.1rem 0 0}
.consent label{font-weight:600}
.consent .error{grid-column:1/-1}
button,.button{display:block;width:100%;min-height:52px;padding:.8rem 1rem;border:0;border-radius:10px;background:#1a56c9;color:#fff;font:inherit;font-weight:700;font-size:1.05rem;text-align:center;text-decoration:none;cursor:pointer}
.secondary-button{background:#fff;color:#1a56c9;border:2px solid #1a56c9}
.danger{background:#b3261e}
.danger-link{background:#fff;color:#b3261e;border:2px solid #b3261e}
a{color:#1a56c9}
.lang{font-size:.95rem}
.secondary{text-align:center;margin:1.25rem 0}
.note,.small{color:#4a505c;font-size:.9rem}
.alert{background:#fdecea;border:1px solid #b3261e;border-radius:10px;padding:.6rem 1rem;margin:0 0 1rem;color:#5f1410}
.alert p{margin:.3rem 0}
.notice{background:#e7f4ea;border:1px solid #1e7b34;border-radius:10px;padding:.6rem 1rem;margin:0 0 1rem;color:#0f3d1b}
.warning{background:#fff6df;border-radius:8px;padding:.5rem .75rem;color:#4d3800}
.badge{display:inline-block;border-radius:999px;padding:.05rem .6rem;background:#e8ecf4;color:#1b1d21}
.badge-canceled,.badge-unpaid{background:#fdecea;color:#5f1410}
.badge-past_due,.badge-paused{background:#fff6df;color:#4d3800}
.table-wrap{overflow-x:auto;background:#fff;border:1px solid #d5d9e0;border-radius:12px}
table{border-collapse:collapse;width:100%;font-size:.95rem}
td:nth-child(2){white-space:nowrap}
th,td{padding:.55rem .6rem;text-align:left;border-bottom:1px solid #eceef2;vertical-align:top}
th{background:#f4f5f7}
section form{margin:.75rem 0}
`;

export const STYLESHEET_PATH = `/pages/style-${createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12)}.css`;

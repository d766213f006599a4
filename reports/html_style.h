/* html_style.h - the look the HTML pages share (the audit report and
 * watch's index.html), so that a verdict reads the same on both: page,
 * headings, tables and the verdict badge. Each page appends its own. */
#ifndef FLOWAUDIT_HTML_STYLE_H
#define FLOWAUDIT_HTML_STYLE_H

#define HTML_BASE_STYLE \
	"body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;" \
	"color:#1d2330;margin:2em auto;max-width:1200px;padding:0 1em}" \
	"h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin-top:1.8em;" \
	"border-bottom:2px solid #dde3ea;padding-bottom:.2em}" \
	"table{border-collapse:collapse;width:100%;margin:.6em 0}" \
	"th,td{border:1px solid #dde3ea;padding:.3em .5em;text-align:left;vertical-align:top}" \
	"th{background:#f3f6f9}td.num{text-align:right;font-variant-numeric:tabular-nums}" \
	".verdict{display:inline-block;font-weight:700;font-size:1.4em;padding:.2em .8em;" \
	"border-radius:4px;color:#fff}.pass{background:#2e7d32}.fail{background:#c62828}" \
	".inconclusive,.pass-qualified{background:#f9a825;color:#212121}"

#endif

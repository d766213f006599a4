/* html_diagram.h - the HTML report's communication diagram: inline SVG in
 * a layered layout read left to right (client populations, then the
 * servers they reach, then infrastructure and cloud), one edge per role
 * pair and status, labelled with its ports and count. */
#ifndef FLOWAUDIT_HTML_DIAGRAM_H
#define FLOWAUDIT_HTML_DIAGRAM_H

#include <stdio.h>

#include "audit_report.h"

/* The diagram with its legend inside the SVG (they print together). Same
 * report, same bytes. */
void html_diagram(FILE *f, const struct audit_report *r);

#endif

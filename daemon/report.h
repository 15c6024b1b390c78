/*
 * report.h - the final report (eindrapportage): aggregates of a project,
 * never personal data.  Counts from 1 to REPORT_SUPPRESS-1 are suppressed
 * (null) so that a small group cannot be singled out.
 */
#ifndef IVTD_REPORT_H
#define IVTD_REPORT_H

#include <stdint.h>
#include <jansson.h>

#define REPORT_SUPPRESS 5

/* A count as it may appear in a report: 0, >= 5, or null. */
json_t *report_count(int64_t n);
/* part/whole as a fraction, or null when whole is suppressed or 0. */
json_t *report_rate(int64_t part, int64_t whole);
/* Effect of an indicator: {zero, one, change, change_pct}; the values
 * may be absent (NULL) when not measured. */
json_t *report_effect(const double *zero, const double *one);

struct store;
/* Keep what the report counts of the project's subjects and findings, as
 * it stands, for after they are destroyed (retention.c); the report then
 * shows these counts.  0 or -1. */
int report_freeze(struct store *s, int64_t project);

#endif

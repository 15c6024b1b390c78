/*
 * retention.h - retention periods, legal hold and destruction of a
 * project's personal data (nl.ivtd.Retention; Project.Hold, Release and
 * SetRetention).
 *
 * A project's retention period (its own, or the configured
 * retention_days) starts on its closure date: the date of the phase event
 * that took it to afgesloten (advance or NO-GO).  When it has passed and
 * the project is not under legal hold, Retention.Propose puts it on a
 * destruction list.  One of the project's projectleiders or an admin
 * confirms it (Retention.Confirm); Retention.Run, and a daily timer in the
 * daemon, then destroy every confirmed project that is still expired and
 * not held:
 *   - what the final report counts of the subjects and findings is kept
 *     (report_freeze: already suppressed below REPORT_SUPPRESS);
 *   - then every row about a data subject is deleted: subjects, persons,
 *     interests, findings and their history, planning and assignments,
 *     and the journal (the audit log names subject ids beside their
 *     pseudonyms, so a kept status or category would stay linked);
 *   - the project's data key is crypto-shredded (keys.h), so the sealed
 *     values in backups cannot be opened either;
 *   - one audit entry per project (activity ivt-10) says what went, on
 *     which list, who confirmed it and when the period ended.
 * The audit log itself is kept: its entries hold pseudonyms only.
 */
#ifndef IVTD_RETENTION_H
#define IVTD_RETENTION_H

struct daemon_ctx;
struct event_base;

/* Run confirmed destructions once a day (first run five minutes after
 * start).  0 or -1. */
int retention_attach(struct daemon_ctx *ctx, struct event_base *base);
/*
 * A version before schema 8 destroyed a project's sealed fields but kept
 * its rows about data subjects.  Finish each such project as a
 * destruction does now (one audit entry each); retention_attach does
 * this at start.  0, or -1 (logged).
 */
int retention_finish_earlier(struct daemon_ctx *ctx);
void retention_detach(void);

#endif

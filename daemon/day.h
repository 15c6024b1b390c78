/*
 * day.h - actiedagen (nl.ivtd.Day): control days, the visits planned on
 * them, and subjects handed out by name to a partner's employee.
 *
 * Tables (migration 4):
 *   days          date, times, meeting point, police, teams, status
 *   day_areas     postcode ranges of the day, inside the project's area
 *   day_partners  the partners that take part and their staff
 *   day_staff     named employees (users of those partners)
 *   day_subjects  visits: day, subject, team; active while the visit is
 *                 still to happen.  A cancelled day keeps its visits as
 *                 history (inactive); the findings of a day that was
 *                 uitgevoerd refer to its rows.  A subject has at most
 *                 one active visit.
 *   assignments   subject -> user, active until taken back or done; a
 *                 subject has at most one active assignment, and never
 *                 both an active visit and an assignment (both need the
 *                 subject gereed and make it ingepland).
 * The rules themselves are pure functions in planning.h.
 */
#ifndef IVTD_DAY_H
#define IVTD_DAY_H

#include <stdint.h>

#include "store.h"

/*
 * Where is a subject planned?  Sets *day to the day of its active visit
 * and *uid to the user of its active assignment (0 when none).  0, or -1
 * on a database error.
 */
int day_active_plan(struct store *s, int64_t subject, int64_t *day,
                    int64_t *uid);

/* End the subject's active assignment: 1 ended, 0 there was none, -1 on
 * a database error.  Its status is the caller's business. */
int day_end_assignment(struct store *s, int64_t subject);

#endif

/*
 * access.h - who may do what to a project: the role, the project's
 * projectleiders and its privacy protocol.
 *
 * One check for every method that touches a project, so the rules live in
 * one place (the access matrix test reads them from here):
 *   admin          every project's metadata, leaders and retention, never
 *                  personal data (nor the gates, phases and protocol:
 *                  those methods are for projectleiders)
 *   projectleider  manages the projects they lead, personal data included
 *   partner        what the protocol grants its organisation:
 *                  leveren (deliver), bewerken (edit), inlezen (read)
 *   privacy        project metadata, never personal data
 * Rights are read from the database on every call, so a revocation takes
 * effect at once, also on open connections.  In a closed project
 * (afgesloten) nobody delivers or edits, and partners no longer read.
 */
#ifndef IVTD_ACCESS_H
#define IVTD_ACCESS_H

#include <stdint.h>

#include "varlink.h"

enum access_need {
	ACC_META,     /* see the project's non-personal data */
	ACC_MANAGE,   /* change the project: admin or one of its leaders */
	ACC_LEVEREN,  /* deliver data: leaders and partners with leveren */
	ACC_BEWERKEN, /* edit data: leaders and partners with bewerken */
	ACC_INLEZEN, /* read personal data: leaders and partners with inlezen */
	ACC_HANDLE,  /* handle its subjects (actualise, decide, plan, hand
	              * out, measure): its leaders, while it is not closed */
};

/*
 * Check that the caller may act on project id with the given need.  On
 * success sets c->project and returns 0.  Otherwise fails the call with
 * nl.ivtd.NotFound (no such project) or nl.ivtd.PermissionDenied (the
 * dispatcher audits the denial) and returns -1.
 */
int access_project(struct call *c, int64_t id, enum access_need need);

/* The same check without failing the call: 1 allowed, 0 not (or no such
 * project), -1 on a database error.  For searches that skip what the
 * caller may not see. */
int access_can(struct call *c, int64_t id, enum access_need need);

/* Rights of a partner organisation in a project (bit per right). */
#define RIGHT_LEVEREN  0x1
#define RIGHT_BEWERKEN 0x2
#define RIGHT_INLEZEN  0x4
/* >=0 rights, -1 on a database error. */
int access_partner_rights(struct store *s, int64_t project, int64_t partner);

/* Categories of personal data a partner's inlezen covers (the protocol's
 * field list). */
#define FIELD_ADRES 0x1
#define FIELD_BSN   0x2
#define FIELD_NAAM  0x4
#define FIELD_GEB   0x8
#define FIELD_ALL   (FIELD_ADRES | FIELD_BSN | FIELD_NAAM | FIELD_GEB)
/* The partner's rights (as access_partner_rights) and, when fields is not
 * NULL, the FIELD_ bits it may read there (0 without inlezen): one
 * lookup for both. */
int access_partner_grant(struct store *s, int64_t project, int64_t partner,
                         unsigned *fields);
/* The FIELD_ bits a partner may read in a project into *bits: 0 without
 * inlezen.  0, or -1 on a database error. */
int access_partner_fields(struct store *s, int64_t project, int64_t partner,
                          unsigned *bits);

/* May the caller read every category of personal data in the project
 * (one of its leaders, or a partner with inlezen of every field)?  1, 0, or -1 on
 * a database error.  Free text -- finding and journal notes -- may hold
 * any category, so another organisation's needs this. */
int access_reads_all(struct call *c, int64_t project);

/* May the caller read free-text notes (findings, journal) written by
 * organisation org in project (0: no partner's, a municipal author)?  Its
 * own organisation's, or any with access_reads_all.  1, 0, or -1. */
int access_reads_notes(struct call *c, int64_t project, int64_t org);

/* Is the caller a partner and the project closed (afgesloten), so that
 * it reads nothing of it any more, not even its own organisation's
 * findings and notes?  1, 0, or -1 on a database error. */
int access_partner_closed(struct call *c, int64_t project);

/* Is uid one of the project's leaders?  1, 0, or -1 on error. */
int access_is_leader(struct store *s, int64_t project, int64_t uid);

/* Project phase into buf; 0, or -1 when the project does not exist. */
int access_project_phase(struct store *s, int64_t id, char *buf, size_t len);

#endif

/*
 * import.h - bulk import of verwondersubjecten from CSV (nl.ivtd.Import).
 */
#ifndef IVTD_IMPORT_H
#define IVTD_IMPORT_H

struct event_base;

/* End every import session, wiping its data (daemon shutdown). */
void import_free_all(void);
/* Drop idle imports each minute; import_detach ends the timer.  0 or
 * -1. */
int import_attach(struct event_base *base);
void import_detach(void);

#endif

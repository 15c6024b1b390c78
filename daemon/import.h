/*
 * import.h - bulk import of verwondersubjecten from CSV (nl.ivtd.Import).
 */
#ifndef IVTD_IMPORT_H
#define IVTD_IMPORT_H

/* End every import session, wiping its data (daemon shutdown). */
void import_free_all(void);

#endif

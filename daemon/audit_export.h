/*
 * audit_export.h - nl.ivtd.Audit.Export: the self-verifying export of the
 * audit log (format in include/ivt/export.h), streamed with varlink more.
 */
#ifndef IVTD_AUDIT_EXPORT_H
#define IVTD_AUDIT_EXPORT_H

#include "varlink.h"

/* Entries a signed export checkpoint covers. */
#define AUDIT_EXPORT_CHECKPOINT_EVERY 1000

/* The method (M_AUDIT | M_MORE). */
int audit_export(struct call *c);

/* An entry as nl.ivtd.Audit.Entry (audit_rpc.c); hash may be NULL. */
json_t *audit_entry_json(const struct audit_entry *e,
                         const uint8_t hash[CRYPTO_HASHBYTES]);

#endif

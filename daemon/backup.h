/*
 * backup.h - nl.ivtd.Admin.Backup (the method is in admin_methods).
 */
#ifndef IVTD_BACKUP_H
#define IVTD_BACKUP_H

#include "config.h"

/*
 * At start: remove the partial copy of a backup that a crash interrupted,
 * as named in the state directory while it was written.
 */
void backup_recover(const struct config *cfg);

#endif

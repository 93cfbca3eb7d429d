/* store_internal.h -- what the store's source files share above the SQL helpers (store_sql.h,
 * included here): the transaction pieces of store_write.c, the folder of a store file
 * (store.c), the schema's entry points (store_schema.c). Not for use outside src/store/. */
#ifndef RMN_STORE_INTERNAL_H
#define RMN_STORE_INTERNAL_H

#include "core/provenance.h"
#include "store/store.h"
#include "store/store_sql.h"

#include <stddef.h>

/* Inside a transaction (store_write.c): the id of experiment name, inserted if missing; a
 * RUNNING run row with full provenance (prov) owned by owner (NULL: no owner recorded). */
int rmn_store_experiment_ensure_tx_(rmn_store *s, const char *name, const char *description, int64_t *id);
int rmn_store_run_insert_tx_(rmn_store *s, const rmn_run_info *info, const rmn_provenance *prov,
                             const rmn_process_id *owner, int64_t *run_id);

/* The folder a store file lies in: "." for a bare name, "/" for one at the root. */
void rmn_store_folder_(const char *path, char *dir, size_t cap);

/* Schema (store_schema.c): creates or migrates to RMN_STORE_SCHEMA_VERSION. */
int rmn_store_migrate_(rmn_store *s);
int rmn_store_check_version_(rmn_store *s, int *version);

#endif

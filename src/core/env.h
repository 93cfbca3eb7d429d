/* env.h -- every environment variable rmn reads, in one table (name, meaning, default), and the
 * one way to read them: rmn_env_get refuses (RMN_ASSERT) a name the table does not document, so
 * nothing reads the environment behind the table's back. docs/ENVIRONMENT.md lists the same
 * table (tests/env.sh checks that both agree). Reading only: the programs' re-execution
 * (core/threads.h) is the one place that sets variables (OMP_WAIT_POLICY, RMN_REEXEC). */
#ifndef RMN_CORE_ENV_H
#define RMN_CORE_ENV_H

typedef struct {
    const char *name;    /* "RMN_DB" */
    const char *meaning; /* what it sets */
    const char *unset;   /* what happens without it (the default) */
} rmn_env_var;

/* The table, grouped by subject; *n its length. */
const rmn_env_var *rmn_env_table(int *n);
/* The entry of name, or NULL. */
const rmn_env_var *rmn_env_find(const char *name);

/* getenv(name) for a name of the table (any other aborts: a programmer error); NULL when unset. */
const char *rmn_env_get(const char *name);
/* The value when set and not empty, else NULL. */
const char *rmn_env_value(const char *name);

#endif

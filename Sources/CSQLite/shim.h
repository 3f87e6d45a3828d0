#ifndef PRENV_CSQLITE_SHIM_H
#define PRENV_CSQLITE_SHIM_H

/* The system SQLite (Debian: libsqlite3-dev). Only StateStoreSQLite imports this module. */
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
   Binding with it makes SQLite copy the bytes before the call returns, so Swift strings may be
   passed from a temporary buffer. */
static inline sqlite3_destructor_type csqlite_transient(void) {
    return (sqlite3_destructor_type)-1;
}

#endif

/* writefile.h -- writes a byte buffer to a file atomically (PATH.tmp.<pid>, fsync, rename),
 * for the exporters. Errors name the path. */
#ifndef RMN_EXPORT_WRITEFILE_H
#define RMN_EXPORT_WRITEFILE_H

#include <stddef.h>

int rmn_export_write_file(const char *path, const void *data, size_t n);

#endif

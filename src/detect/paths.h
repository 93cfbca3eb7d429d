/* paths.h -- where rmn-detect and rmn-bench find their inputs when given bare names or none:
 * cascades by name in opencv-data's directories, the emotion model from --model, $RMN_MODEL,
 * the installed models/default.safetensors, then the source tree's (programs run uninstalled);
 * $RMN_MODELS_DIR replaces those two directories. */
#ifndef RMN_DETECT_PATHS_H
#define RMN_DETECT_PATHS_H

#include <stddef.h>

/* The default cascade's file name (found in the opencv-data directories). */
#define RMN_DETECT_DEFAULT_CASCADE "haarcascade_frontalface_default.xml"

/* name as given when it holds a '/' or names an existing file, else the first opencv-data
 * directory holding it (in buf), else name (the loader then reports it missing). */
const char *rmn_detect_cascade_path(const char *name, char *buf, size_t cap);
/* $RMN_CASCADE when set, else RMN_DETECT_DEFAULT_CASCADE. */
const char *rmn_detect_cascade_default(void);

/* given when non-NULL, else $RMN_MODEL when set, else the shipped model (in buf); NULL when
 * there is none, with `looked` describing where it looked. */
const char *rmn_detect_model_path(const char *given, char *buf, size_t cap, char *looked, size_t lcap);

#endif

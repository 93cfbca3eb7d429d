/* inputs.h -- rmn-detect's inputs and CSV output: directory arguments walked for images
 * (.png, .jpg, .jpeg in any case; entries sorted by name with strcmp, subdirectories only when
 * recursive, hidden entries skipped), whole images taken as one face (--no-detect), and CSV
 * rows "file,face_id,xmin,ymin,xmax,ymax,<7 class names>,emo_label" (probabilities with 6
 * decimals; empty without a model; file quoted when it holds a comma, quote or newline).
 *
 * Ownership: rmn_detect_inputs returns a malloc'ed array of malloc'ed strings released by
 * rmn_detect_inputs_free; faces as rmn_detect_faces. */
#ifndef RMN_DETECT_INPUTS_H
#define RMN_DETECT_INPUTS_H

#include "detect/faces.h"

#include <stdio.h>

/* args[0..nargs): files kept as given (in order), directories replaced by their images. A
 * directory with no image is not an error; an unreadable one is (naming it). */
int  rmn_detect_inputs(char *const *args, int nargs, int recursive, char ***paths, int *npaths);
void rmn_detect_inputs_free(char **paths, int npaths);

/* The whole image as one face: box (0, 0, w, h), its gray version resized to the model's input
 * (stretched when not square) and classified (model may be NULL). */
int rmn_detect_faces_whole(rmn_detect_model *model, const rmn_image *img, rmn_face **faces, int *n);

/* CSV header (the class names of model, else FER2013's seven) and one row per face. RMN_EIO on
 * a write error. */
int rmn_detect_csv_header(FILE *f, const rmn_detect_model *model);
int rmn_detect_csv_rows(FILE *f, const char *path, const rmn_face *faces, int n, const rmn_detect_model *model);

#endif

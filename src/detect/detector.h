/* detector.h -- one face detector chosen by name for rmn-detect (photos, videos, cameras) and
 * rmn-bench: the cascades (haar: haarcascade_frontalface_default.xml, lbp:
 * lbpcascade_frontalface.xml -- the "improved" one finds none of the ~50 px faces of the test
 * photos --, or any --cascade file) or face-api's CNNs (ssd: SSD MobileNet v1 at min
 * confidence 0.5; tiny: the Tiny Face Detector at input size 416 or another multiple of 32,
 * threshold 0.5) whose weights are found by rmn_face_models_dir. A CNN detection (x0, y0, x1,
 * y1) becomes the rectangle (round(x0), round(y0), round(x1) - round(x0), round(y1) -
 * round(y0)) and then goes through the thesis's square crop like a cascade's.
 *
 * Threads: a cascade detector may be used by several threads at once; a CNN one by one thread
 * at a time (its nets keep their maps): rmn_detector_dup makes a copy for each further thread.
 *
 * Ownership: rmn_detector_make / _dup fill a detector released by rmn_detector_close;
 * rmn_detector_cascade borrows its cascade, and a copy borrows the original's. */
#ifndef RMN_DETECT_DETECTOR_H
#define RMN_DETECT_DETECTOR_H

#include "detect/facenet.h"
#include "detect/faces.h"
#include "detect/ssd.h"
#include "detect/tfjs.h"
#include "detect/tinyface.h"

typedef enum { RMN_DETECTOR_CASCADE = 0, RMN_DETECTOR_SSD, RMN_DETECTOR_TINY } rmn_detector_kind;

#define RMN_TINY_INPUT_SIZE 416 /* face-api's default inputSize */

/* What the command line asks for (rmn-detect's options, shared by photos and videos). */
typedef struct {
    const char       *name;       /* --detector: "ssd" | "tiny" | "haar" | "lbp"; NULL: $RMN_DETECTOR,
                                     else the default rule (rmn_detector_make) */
    const char       *cascade;    /* --cascade FILE or bare name; NULL: not given */
    int               align;      /* with a CNN detector: eyes levelled (rmn-detect's default 1) */
    int               input_size; /* the tiny detector's input size; 0: RMN_TINY_INPUT_SIZE */
    rmn_detect_params params;     /* the cascade scan's (scale factor, neighbours, min size) */
} rmn_detector_spec;

/* The spec of rmn-detect's defaults: no name, no cascade, align on, params defaulted. */
void rmn_detector_spec_default(rmn_detector_spec *s);

typedef struct rmn_detector {
    rmn_detector_kind  kind;
    const char        *name;      /* "ssd", "tiny", or the cascade's file name (as given) */
    const rmn_cascade *cascade;   /* CASCADE */
    rmn_cascade       *own_cascade;
    rmn_detect_params  params;    /* cascades only */
    rmn_ssd           *ssd;
    rmn_tinyface      *tiny;
    int                input_size; /* TINY */
    float              threshold;  /* CNN score threshold (0.5) */
    rmn_facenet       *landmarks;  /* set: align each face */
    char              *dir;        /* CNN: the weights' folder (for rmn_detector_dup) */
} rmn_detector;

/* "haar", "lbp" (*cascade_name gets the cascade's file name), "ssd", "tiny"; RMN_EINVAL else. */
int rmn_detector_parse(const char *name, rmn_detector_kind *kind, const char **cascade_name);
/* The detector s asks for. Name (s->name, else $RMN_DETECTOR): that one, the cascade being
 * s->cascade when given, else the name's. No name: a cascade when s->cascade is given; else
 * ssd when face-api's weights are installed, else rmn_detect_cascade_default(), and note (cap
 * ncap) gets a line to say once on stderr about the choice ("" otherwise). Errors:
 * RMN_EINVAL for an unknown name or an input size that is not a multiple of 32 in 32..4096
 * or given to another detector than tiny; RMN_ENOTFOUND when a CNN's weights are missing
 * (naming where they were looked for); a cascade's or the weights' load errors. */
int rmn_detector_make(const rmn_detector_spec *s, rmn_detector *d, char *note, size_t ncap);
/* A cascade detector over c (borrowed) with scan parameters p. */
void rmn_detector_cascade(rmn_detector *d, const rmn_cascade *c, const rmn_detect_params *p);
/* A copy of src for another thread: CNN nets of its own (loaded again), the cascade shared. */
int  rmn_detector_dup(const rmn_detector *src, rmn_detector *dst);
void rmn_detector_close(rmn_detector *d);
/* Turns eye alignment on (CNN detectors or not): each face's square crop goes through the
 * 68-point landmark net, and the gray image is rotated about the crop's centre so that the
 * eyes are level (detect/align.h) before the thesis's crop is taken from it for the emotion
 * model (without a model there is nothing to align). Loads DIR's landmark weights. */
int rmn_detector_align(rmn_detector *d, const char *dir);
/* As rmn_detect_faces with this detector. */
int rmn_detector_faces(const rmn_detector *d, rmn_detect_model *model, const rmn_image *img, rmn_face **faces,
                       int *n);
/* The raw detections in image pixels with scores (CNNs; cascades give score 1). */
int rmn_detector_boxes(const rmn_detector *d, const rmn_image *img, rmn_cnn_box **boxes, int *n);

#endif

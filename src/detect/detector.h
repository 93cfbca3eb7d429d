/* detector.h -- one face detector chosen by name for rmn-detect and rmn-bench: the cascades
 * (haar: haarcascade_frontalface_default.xml, lbp: lbpcascade_frontalface.xml -- the
 * "improved" one finds none of the ~50 px faces of the test photos --, or any
 * --cascade file) or face-api's CNNs (ssd: SSD MobileNet v1 at min confidence 0.5; tiny: the
 * Tiny Face Detector at input 416, threshold 0.5) whose weights are found by
 * rmn_face_models_dir. A CNN detection (x0, y0, x1, y1) becomes the rectangle
 * (round(x0), round(y0), round(x1) - round(x0), round(y1) - round(y0)) and then goes through
 * the thesis's square crop like a cascade's.
 *
 * Ownership: rmn_detector_open fills a detector released by rmn_detector_close; it borrows
 * the cascade it is given. */
#ifndef RMN_DETECT_DETECTOR_H
#define RMN_DETECT_DETECTOR_H

#include "detect/facenet.h"
#include "detect/faces.h"
#include "detect/ssd.h"
#include "detect/tfjs.h"
#include "detect/tinyface.h"

typedef enum { RMN_DETECTOR_CASCADE = 0, RMN_DETECTOR_SSD, RMN_DETECTOR_TINY } rmn_detector_kind;

typedef struct rmn_detector {
    rmn_detector_kind  kind;
    const rmn_cascade *cascade; /* CASCADE */
    rmn_ssd           *ssd;
    rmn_tinyface      *tiny;
    float              threshold; /* CNN score threshold (0.5) */
    rmn_facenet       *landmarks; /* set: align each face (rmn_detector_align) */
} rmn_detector;

/* "haar", "lbp" (*cascade_name gets the cascade's file name), "ssd", "tiny"; RMN_EINVAL else. */
int rmn_detector_parse(const char *name, rmn_detector_kind *kind, const char **cascade_name);
/* rmn-detect's choice: name (NULL: $RMN_DETECTOR, else ssd when face-api's weights are
 * installed, a cascade when --cascade was given (cascade_given) or the weights are missing).
 * Opens d for a CNN (*is_cnn 1); for a cascade sets *cascade_name when the name chose one
 * (haar/lbp and no --cascade). note (cap ncap) gets a line to say once on stderr when the
 * choice was made by default, else "". align: a CNN detector also aligns faces
 * (rmn_detector_align); cascades never do. Errors: unknown names, CNN weights missing (naming
 * where they were looked for) or malformed. */
int rmn_detector_choose(const char *name, int cascade_given, int align, rmn_detector *d, int *is_cnn,
                        const char **cascade_name, char *note, size_t ncap);
/* A CNN detector (SSD or TINY) from the weights in dir. */
int  rmn_detector_open(rmn_detector *d, rmn_detector_kind kind, const char *dir);
/* A cascade detector over c (borrowed). */
void rmn_detector_cascade(rmn_detector *d, const rmn_cascade *c);
void rmn_detector_close(rmn_detector *d);
/* Turns eye alignment on (CNN detectors or not): each face's square crop goes through the
 * 68-point landmark net, and the gray image is rotated about the crop's centre so that the
 * eyes are level (detect/align.h) before the thesis's crop is taken from it. Loads
 * DIR's landmark weights. */
int rmn_detector_align(rmn_detector *d, const char *dir);
/* As rmn_detect_faces with this detector (p is used by cascades only). */
int rmn_detector_faces(const rmn_detector *d, const rmn_detect_params *p, rmn_detect_model *model,
                       const rmn_image *img, rmn_face **faces, int *n);
/* The raw detections in image pixels with scores (CNNs; cascades give score 1). */
int rmn_detector_boxes(const rmn_detector *d, const rmn_detect_params *p, const rmn_image *img,
                       rmn_cnn_box **boxes, int *n);

#endif

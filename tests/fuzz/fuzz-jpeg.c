/* fuzz-jpeg.c -- libFuzzer target: JPEG files as rmn_image_load_jpeg decodes them (libjpeg-turbo
 * behind a setjmp/longjmp error manager). A decoded image must be gray or RGB within
 * RMN_IMAGE_MAX_PIXELS, and every pixel is read; it is then converted to gray as rmn-detect
 * does. rmn_image_load (the sniffing loader) is used for half of the inputs. */
#include "fuzz-image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_image(data, size, ".jpeg", rmn_image_load_jpeg);
}

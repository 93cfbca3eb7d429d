/* test-export-pth.c -- the structure of rmn-export's PyTorch zip checkpoint, without Python:
 * a resnet18 (48 profile, width 8) written by rmn_export_pth is read back as a zip (end of
 * central directory, central and local headers, stored entries, CRC-32, 64-byte aligned data),
 * in torch.save's layout (STEM/data.pkl first, STEM/data/0..K-1, STEM/version "3"); the pickle
 * is protocol 2, ends with STOP, rebuilds an OrderedDict by torch._utils._rebuild_tensor_v2
 * and names every tensor; each float storage holds the tensor's bytes, and each batch norm
 * has its num_batches_tracked (an 8-byte int64 storage). tools/export/check_pth.py does the
 * torch.load + load_state_dict check where PyTorch is installed. The names of the Residual
 * Masking Networks in the original definition (export/torchnames.c) are checked first. */
#define _POSIX_C_SOURCE 200809L
#include "core/error.h"
#include "models/model.h"
#include "export/pth.h"
#include "export/torchnames.h"
#include "nn/graph.h"
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t crc32_of(const uint8_t *b, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
        c ^= b[i];
        for (int k = 0; k < 8; ++k)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

static int has(const uint8_t *hay, size_t n, const char *needle) {
    const size_t l = strlen(needle);
    for (size_t i = 0; i + l <= n; ++i)
        if (memcmp(hay + i, needle, l) == 0)
            return 1;
    return 0;
}

static void name_case(const char *arch, const char *rmn, const char *want, const char *want_dup) {
    char out[200], dup[200];
    const int d = rmn_torch_name(arch, rmn, out, sizeof out, dup, sizeof dup);
    TAP_OK(strcmp(out, want) == 0 && d == (want_dup != NULL) &&
               (!want_dup || strcmp(dup, want_dup) == 0),
           "%s: %s -> %s%s%s", arch, rmn, out, d ? " and " : "", d ? dup : "");
}

int main(void) {
    char dir[256], path[300];
    /* the original's names for the Residual Masking Networks (masking.py, resmasking.py) */
    name_case("resmasking_dropout1", "mask1.enc0.downsample.0.weight",
              "mask1.conv1.downsample.0.weight", "mask1.downsample1.0.weight");
    name_case("resmasking_dropout1", "mask1.up3.0.weight", "mask1.up_pool5.0.weight", NULL);
    name_case("resmasking_dropout1", "mask1.dec1.conv1.weight", "mask1.conv7.conv1.weight", NULL);
    name_case("resmasking_dropout1", "mask1.final.downsample.1.running_var",
              "mask1.conv8.downsample.1.running_var", "mask1.downsample8.1.running_var");
    name_case("resmasking_dropout1", "mask2.up1.1.bias", "mask2.up_pool5.1.bias", NULL);
    name_case("resmasking_dropout1", "mask4.final.bn2.weight", "mask4.conv2.bn2.weight", NULL);
    name_case("resmasking_dropout1", "fc.weight", "fc.1.weight", NULL);
    name_case("resmasking", "fc.weight", "fc.weight", NULL);
    name_case("resmasking_dropout2", "fc.3.bias", "fc.3.bias", NULL);
    name_case("resnet18", "layer1.0.downsample.0.weight", "layer1.0.downsample.0.weight", NULL);
    snprintf(dir, sizeof dir, "%s/rmn-test-pth.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return 99;
    snprintf(path, sizeof path, "%s/r18.pth", dir);
    rmn_model_config mc = {.in_channels = 1, .image_size = 48, .num_classes = 7, .seed = 3,
                           .width = 8};
    rmn_net *net = NULL;
    TAP_OK(rmn_model_create("resnet18", &mc, &net) == RMN_OK, "resnet18 width 8 built");
    if (!net)
        return tap_done();
    const int rc = rmn_export_pth(net, path);
    TAP_OK(rc == RMN_OK, "rmn_export_pth writes %s (%s)", path, rc ? rmn_error_message() : "ok");
    FILE *f = fopen(path, "rb");
    uint8_t *z = NULL;
    long size = 0;
    if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 22 && fseek(f, 0, SEEK_SET) == 0) {
        z = malloc((size_t)size);
        if (z && fread(z, 1, (size_t)size, f) != (size_t)size) {
            free(z);
            z = NULL;
        }
    }
    if (f)
        fclose(f);
    TAP_OK(z != NULL, "read back: %ld bytes", size);
    if (!z) {
        rmn_net_free(net);
        return tap_done();
    }
    const uint8_t *eocd = z + size - 22;
    TAP_OK(rd32(eocd) == 0x06054b50, "ends with an end-of-central-directory record");
    const int entries = rd16(eocd + 10);
    const uint32_t cd = rd32(eocd + 16);
    int bn = 0, n_specs = net->n_specs;
    for (int i = 0; i < net->n_nodes; ++i)
        bn += net->nodes[i].op == RMN_OP_BN2D;
    TAP_OK(entries == 1 + n_specs + bn + 1,
           "%d entries: data.pkl, %d tensors, %d num_batches_tracked, version", entries, n_specs,
           bn);
    int ok_headers = 1, ok_crc = 1, ok_align = 1, ok_names = 1, ok_sizes = 1, ok_version = 0;
    const uint8_t *pkl = NULL;
    uint32_t pkl_len = 0;
    int key = 0, spec = 0;
    size_t p = cd;
    for (int e = 0; e < entries && ok_headers; ++e) {
        if (p + 46 > (size_t)size || rd32(z + p) != 0x02014b50) {
            ok_headers = 0;
            break;
        }
        const uint32_t crc = rd32(z + p + 16), csz = rd32(z + p + 20), usz = rd32(z + p + 24);
        const uint16_t nl = rd16(z + p + 28), method = rd16(z + p + 10);
        const uint32_t loc = rd32(z + p + 42);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)nl, (const char *)z + p + 46);
        p += 46u + nl + rd16(z + p + 30) + rd16(z + p + 32);
        if (method != 0 || csz != usz || rd32(z + loc) != 0x04034b50) {
            ok_headers = 0;
            break;
        }
        const size_t data = loc + 30u + rd16(z + loc + 26) + rd16(z + loc + 28);
        if (data + usz > cd) {
            ok_headers = 0;
            break;
        }
        ok_crc &= crc32_of(z + data, usz) == crc;
        ok_align &= data % 64 == 0;
        char want[64];
        if (e == 0) {
            ok_names &= strcmp(name, "r18/data.pkl") == 0;
            pkl = z + data;
            pkl_len = usz;
        } else if (e == entries - 1) {
            ok_names &= strcmp(name, "r18/version") == 0;
            ok_version = usz == 2 && memcmp(z + data, "3\n", 2) == 0;
        } else {
            snprintf(want, sizeof want, "r18/data/%d", key++);
            ok_names &= strcmp(name, want) == 0;
            /* storages follow the specs, a num_batches_tracked after each BN's running_var */
            const rmn_tensor_spec *t = spec < n_specs ? &net->specs[spec] : NULL;
            static int pending_nbt = 0;
            if (pending_nbt) {
                ok_sizes &= usz == 8;
                pending_nbt = 0;
            } else if (t) {
                ok_sizes &= usz == t->count * 4;
                const size_t ln = strlen(t->name);
                pending_nbt = ln > 12 && strcmp(t->name + ln - 12, ".running_var") == 0;
                ok_sizes &= memcmp(z + data, (t->trainable ? net->params : net->buffers) + t->off,
                                   usz) == 0;
                ++spec;
            }
        }
    }
    TAP_OK(ok_headers, "central and local headers agree; every entry stored");
    TAP_OK(ok_crc, "every CRC-32 matches its data");
    TAP_OK(ok_align, "every record's data starts 64-byte aligned");
    TAP_OK(ok_names, "entry names: r18/data.pkl, r18/data/0..%d, r18/version", key - 1);
    TAP_OK(ok_sizes && spec == n_specs,
           "each storage holds its tensor's bytes (%d tensors), 8 bytes per num_batches_tracked",
           spec);
    TAP_OK(ok_version, "version is \"3\"");
    TAP_OK(pkl && pkl_len > 3 && pkl[0] == 0x80 && pkl[1] == 2 && pkl[pkl_len - 1] == '.',
           "data.pkl: protocol 2, ends with STOP");
    int names = pkl != NULL;
    for (int s = 0; pkl && s < n_specs; ++s)
        names &= has(pkl, pkl_len, net->specs[s].name);
    TAP_OK(names && has(pkl, pkl_len, "collections\nOrderedDict\n") &&
               has(pkl, pkl_len, "torch._utils\n_rebuild_tensor_v2\n") &&
               has(pkl, pkl_len, "torch\nFloatStorage\n") &&
               has(pkl, pkl_len, "bn1.num_batches_tracked"),
           "data.pkl: an OrderedDict of _rebuild_tensor_v2 tensors naming every tensor");
    free(z);
    rmn_net_free(net);
    unlink(path);
    rmdir(dir);
    return tap_done();
}

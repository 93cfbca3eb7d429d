/* rmn-import.c -- a PyTorch checkpoint (.pth, either torch.save format) as an rmn checkpoint.
 *
 *   rmn-import FILE.pth --arch NAME [--in-channels 1|3] [--image-size N] [--width W]
 *              [--allow-head] -o OUT.safetensors
 * The pickle is read by rmn's own restricted reader (no code runs); names are mapped to the
 * zoo's (train/import.h); missing, unexpected or mis-shaped tensors are listed and refused.
 * The output is a normal rmn checkpoint (rmn-eval, rmn-detect load it) whose metadata keeps the
 * provenance: import.source, import.sha256, import.format and every number the file records
 * (import.best_val_acc, import.test_acc, ...). Defaults: the thesis's 224 profile, 3 channels.
 * Exit 0 ok, 1 error, 2 usage (core/cli.h). */
#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "core/sha256.h"
#include "train/checkpoint.h"
#include "train/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "Usage: rmn-import FILE.pth --arch NAME [OPTION]... -o OUT.safetensors\n"
    "Turn a PyTorch checkpoint into an rmn checkpoint.\n"
    "FILE.pth is either torch.save format (zip or legacy), the thesis's dict or a bare\n"
    "state_dict; its pickle is read by rmn's own restricted reader (no code runs). Names are\n"
    "mapped to the zoo's (docs/IMPORT.md); missing, unexpected or mis-shaped tensors are listed\n"
    "and refused. The output keeps the provenance (import.source, import.sha256, ...).\n"
    "\n"
    "Options:\n"
    "  --arch NAME        the architecture (rmn-exp names archs lists them)\n"
    "  --in-channels C    input channels, 1 or 3 (default 3)\n"
    "  --image-size N     input size (default 224)\n"
    "  --width W          channel width at the 48 profile (default: the arch's)\n"
    "  --allow-head       the classifier may be missing or of another shape: it keeps its\n"
    "                     initialisation (for fine-tuning)\n"
    "  -o, --output FILE  the rmn checkpoint to write\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Exit status: 0 success, 1 error, 2 usage.\n";

static rmn_cli cli;

static int usage(const char *msg) { return rmn_cli_usage_error(&cli, "%s", msg); }

static int fail(void) { return rmn_cli_fail(&cli); }

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        {"arch", required_argument, 0, 'a'},      {"in-channels", required_argument, 0, 'c'},
        {"image-size", required_argument, 0, 'i'}, {"width", required_argument, 0, 'w'},
        {"allow-head", no_argument, 0, 'H'},      {"output", required_argument, 0, 'o'},
        {0, 0, 0, 0}};
    rmn_cli_init(&cli, "rmn-import", USAGE);
    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    cfg.image_size = 224;
    cfg.in_channels = 3;
    const char *arch = NULL, *out = NULL;
    int allow_head = 0, c;
    long v;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "o:", longopts)) != -1) {
        switch (c) {
        case 'a': arch = optarg; break;
        case 'o': out = optarg; break;
        case 'H': allow_head = 1; break;
        case 'c':
            if (!rmn_parse_long(optarg, 1, 3, &v) || v == 2)
                return usage("--in-channels must be 1 or 3");
            cfg.in_channels = (int)v;
            break;
        case 'i':
            if (!rmn_parse_long(optarg, 8, 1024, &v))
                return usage("--image-size needs an integer 8..1024");
            cfg.image_size = (int)v;
            break;
        case 'w':
            if (!rmn_parse_long(optarg, 0, 4096, &v))
                return usage("--width needs an integer 0..4096");
            cfg.width = (int)v;
            break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    if (optind != argc - 1)
        return usage("exactly one FILE.pth is needed");
    if (!arch || !out)
        return usage("--arch and -o are required");
    if (strlen(arch) >= sizeof cfg.arch)
        return usage("--arch is too long");
    snprintf(cfg.arch, sizeof cfg.arch, "%s", arch);
    const char *in = argv[optind];
    char sha[RMN_SHA256_HEX];
    if (rmn_sha256_file(in, sha) != RMN_OK)
        return fail();
    rmn_net *net;
    rmn_pth_file *pth;
    rmn_import_stats st;
    if (rmn_import_open_model(in, &cfg, allow_head, &net, &pth, &st) != RMN_OK)
        return fail();
    int nm = rmn_pth_meta_count(pth);
    const char **meta = calloc((size_t)(2 * nm + 8), sizeof *meta);
    char (*bufs)[96] = calloc((size_t)nm + 1, sizeof *bufs);
    char (*vals)[48] = calloc((size_t)nm + 1, sizeof *vals);
    int rc = meta && bufs && vals ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory");
    int k = 0;
    double best = -1;
    if (rc == RMN_OK) {
        meta[2 * k] = "import.source", meta[2 * k + 1] = in, ++k;
        meta[2 * k] = "import.sha256", meta[2 * k + 1] = sha, ++k;
        meta[2 * k] = "import.format", meta[2 * k + 1] = rmn_pth_format(pth), ++k;
        meta[2 * k] = "import.container", meta[2 * k + 1] = rmn_pth_container(pth), ++k;
        for (int i = 0; i < nm; ++i) {
            const char *key;
            double x;
            rmn_pth_meta_at(pth, i, &key, &x);
            snprintf(bufs[i], sizeof bufs[i], "import.%s", key);
            snprintf(vals[i], sizeof vals[i], "%.17g", x);
            if (strcmp(key, "best_val_acc") == 0)
                best = x;
            meta[2 * k] = bufs[i], meta[2 * k + 1] = vals[i], ++k;
        }
        rc = rmn_checkpoint_save_meta(out, net, &cfg, "imported", best, meta, k);
    }
    if (rc == RMN_OK)
        printf("rmn-import: %s (%s, %s) -> %s: %d tensors loaded, %d ignored, %d head tensors kept\n", in,
               rmn_pth_format(pth), *rmn_pth_container(pth) ? rmn_pth_container(pth) : "bare state_dict", out,
               st.loaded, st.ignored, st.head_kept);
    free(meta);
    free(bufs);
    free(vals);
    rmn_pth_close(pth);
    rmn_net_free(net);
    return rc == RMN_OK ? 0 : fail();
}

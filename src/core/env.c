/* env.c -- the environment rmn reads (env.h): the documented table and its only reader. Keep
 * docs/ENVIRONMENT.md in step (tests/env.sh compares them). */
#include "core/env.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

static const rmn_env_var TABLE[] = {
    /* --- the store, runs and experiments */
    {"RMN_DB", "the run store (SQLite file) every command uses without --db", "rmn.db in the current folder"},
    {"RMN_BUSY_TIMEOUT_MS", "rmn-exp, rmn-train: how long a locked store is waited for, in milliseconds (1 to 3600000)",
     "10000"},
    {"RMN_CHECKPOINTS", "the folder of the runs' checkpoint folders, without --checkpoints",
     "checkpoints/ beside the store file"},
    {"RMN_EXPERIMENTS", "a folder searched first for experiment names (NAME.json)",
     "the experiments/ folders of the installed data and the source tree"},
    /* --- data */
    {"RMN_SAMPLE", "the data set named \"sample\" (an experiment's default data)",
     "the bundled fer2013-sample.csv.xz (installed data, then the source tree)"},
    {"RMN_CACHE_DIR", "the folder of the decoded data caches and the tuned conv algorithms; \"off\" caches nothing",
     "$XDG_CACHE_HOME/rmn, else $HOME/.cache/rmn"},
    {"XDG_CACHE_HOME", "where the data caches go when RMN_CACHE_DIR is unset ($XDG_CACHE_HOME/rmn)",
     "$HOME/.cache/rmn"},
    {"HOME", "where the data caches go when neither RMN_CACHE_DIR nor XDG_CACHE_HOME is set ($HOME/.cache/rmn)",
     "no data cache (sources are parsed or decoded each time)"},
    {"TMPDIR", "the folder of the scratch file an image folder is decoded into when caching is off", "/tmp"},
    /* --- kernels */
    {"RMN_BACKEND", "the kernels: ref (naive loops), cpu (im2col + OpenBLAS) or dnnl (oneDNN); an unknown name "
     "is warned of", "dnnl"},
    {"RMN_DNNL_BLOCKED", "0: every activation stays plain NCHW (for comparisons)",
     "oneDNN's blocked nChw16c wherever every op touching a value accepts it"},
    {"RMN_DNNL_CONV_ALG", "three letters, one per pass of 3x3 stride-1 convolutions (forward, backward data, "
     "backward weights): a auto, d direct, w Winograd (experiments)", "direct for the forward and backward-data "
     "passes on maps of 6x6 or less, auto elsewhere"},
    {"RMN_DNNL_WINOGRAD", "1: Winograd wherever oneDNN takes it (rmn-bench --winograd 1)", "as RMN_DNNL_CONV_ALG says"},
    {"RMN_DNNL_TUNE", "1: each pass of a 3x3 stride-1 fp32 convolution takes the faster of direct and Winograd, "
     "measured once per shape, batch, layout and thread count on this machine and remembered in "
     "RMN_DNNL_TUNE_FILE (results then depend on that file in their last bits)", "the static rule of RMN_DNNL_CONV_ALG"},
    {"RMN_DNNL_TUNE_FILE", "where RMN_DNNL_TUNE=1 remembers its choices, one line each",
     "conv-tune.tsv in the cache folder (RMN_CACHE_DIR)"},
    {"RMN_DNNL_DENSE", "0: no dense-matrix weight gradient for convolutions whose map is smaller than their kernel",
     "on"},
    {"RMN_DNNL_DEBUG", "set: each oneDNN primitive that fails is logged (kind, step, status)", "not logged"},
    /* --- data-parallel ranks (docs/DISTRIBUTED.md) */
    {"RMN_DIST_BUCKET_MB", "the size of the gradient buckets summed over ranks, in MiB", "25"},
    {"OMPI_COMM_WORLD_SIZE", "set by OpenMPI's mpirun: the number of ranks", "one rank"},
    {"PMI_SIZE", "set by MPICH's and Slurm's PMI-2 launchers: the number of ranks", "one rank"},
    {"SLURM_NTASKS", "with PMIX_RANK (srun --mpi=pmix): the number of ranks", "one rank"},
    {"OMPI_COMM_WORLD_RANK", "set by OpenMPI's mpirun: the program joins MPI", "MPI untouched"},
    {"PMI_RANK", "set by PMI-2 launchers: the program joins MPI", "MPI untouched"},
    {"PMIX_RANK", "set by PMIx launchers (srun --mpi=pmix): the program joins MPI", "MPI untouched"},
    /* --- detection and video */
    {"RMN_MODEL", "the emotion model rmn-detect and rmn-explain use without --model",
     "default.safetensors of RMN_MODELS_DIR, else models/default.safetensors of the installed data, then "
     "the source tree"},
    {"RMN_MODELS_DIR", "a folder holding default.safetensors, instead of the data folders' models/",
     "the data folders"},
    {"RMN_DETECTOR", "the face detector without --detector: ssd, tiny, haar or a cascade",
     "face-api's SSD where its weights are installed, else the HAAR cascade"},
    {"RMN_CASCADE", "the Viola-Jones cascade file of the haar detector",
     "haarcascade_frontalface_default.xml (opencv-data's)"},
    {"RMN_FACE_MODELS", "face-api's model/ folder (its CNN detectors' weights)",
     "face-api's installed folder, then the build tree's node_modules"},
    {"RMN_VIDEO_ENCODER", "the FFmpeg encoder of written videos", "libx264, else any H.264, else MPEG-4 part 2 "
     "(warned of)"},
    {"RMN_SHOW_READY", "--show: a file created once the last frame is drawn (tests)", "none"},
    {"RMN_SHOW_HOLD_MS", "--show with RMN_SHOW_READY: how long the last frame stays, in milliseconds", "0"},
    /* --- reports */
    {"RMN_GNUPLOT", "the gnuplot program the figures are drawn with", "gnuplot on PATH"},
    {"PATH", "where gnuplot is looked for", "/usr/bin:/bin"},
    /* --- programs and the build */
    {"RMN_PROGRESS", "progress display: off, plain (a line at each quarter) or tty (a bar redrawn in place)",
     "tty on a terminal, else plain"},
    {"RMN_DEBUG", "programs: 1 ends each error message with its source place (src/FILE.c:LINE)", "off"},
    {"OMP_WAIT_POLICY", "the OpenMP wait policy; the programs leave a policy the user chose alone",
     "the programs set passive and re-execute themselves once (core/threads.h)"},
    {"RMN_REEXEC", "set by a program on its re-execution (never set it): no second one", "unset"},
    {"RMN_SRCDIR", "the source tree whose git commit runs record (tests, uninstalled programs)",
     "the configured source tree, then the current folder"},
    {"RMN_BUILDDIR", "the build tree whose node_modules hold face-api's weights (tests)", "the configured build tree"},
};

const rmn_env_var *rmn_env_table(int *n) {
    *n = (int)(sizeof TABLE / sizeof TABLE[0]);
    return TABLE;
}

const rmn_env_var *rmn_env_find(const char *name) {
    for (size_t i = 0; i < sizeof TABLE / sizeof TABLE[0]; ++i)
        if (strcmp(TABLE[i].name, name) == 0)
            return &TABLE[i];
    return NULL;
}

const char *rmn_env_get(const char *name) {
    RMN_ASSERT(rmn_env_find(name) != NULL); /* every variable is in the table */
    return getenv(name);
}

const char *rmn_env_value(const char *name) {
    const char *v = rmn_env_get(name);
    return v && *v ? v : NULL;
}

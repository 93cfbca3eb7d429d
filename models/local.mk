# models/local.mk -- the emotion model rmn-detect ships (installed as $(pkgdatadir)/models/)
modelsdir = $(pkgdatadir)/models
dist_models_DATA = %D%/default.safetensors %D%/default.json
EXTRA_DIST += %D%/README.md %D%/make-default.sh
